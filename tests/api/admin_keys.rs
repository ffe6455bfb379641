//! `GET /admin/keys`: the signing keys with the state words and dates `latchkey keys list` prints,
//! newest first, and no private material.

use serde_json::{json, Value};

use crate::bearer::*;
use crate::helpers::*;
use crate::openapi::assert_documented;

async fn keys(app: &TestApp, token: &str) -> Vec<Value> {
    let list = json(app.get_with_token("/admin/keys", token).await).await;
    list.as_array().expect("a JSON array").clone()
}

#[tokio::test]
async fn admin_sees_one_signing_key_with_eddsa() {
    let app = spawn_app_with(&["--jwt-alg", "EdDSA"]).await;
    let admin = admin_token(&app).await;

    let response = app.get_with_token("/admin/keys", &admin).await;

    assert_eq!(response.headers()["cache-control"], "no-store");
    let doc = crate::openapi::document(&app).await;
    let list = assert_documented(&doc, "get", "/admin/keys", response).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let key = &list[0];
    let mut fields: Vec<&String> = key.as_object().unwrap().keys().collect();
    fields.sort();
    let expected = [
        "alg",
        "created_at",
        "kid",
        "retires_at",
        "revoked_at",
        "signs_from",
        "state",
    ];
    assert_eq!(fields, expected, "no private material");
    assert_eq!(
        (&key["alg"], &key["state"]),
        (&json!("EdDSA"), &json!("signing"))
    );
    assert_eq!(
        (&key["retires_at"], &key["revoked_at"]),
        (&Value::Null, &Value::Null)
    );
    let header = jsonwebtoken::decode_header(&admin).unwrap();
    assert_eq!(key["kid"], header.kid.unwrap().as_str());
}

#[tokio::test]
async fn admin_sees_a_rotated_key_as_next_and_first() {
    let app = spawn_app_with(&["--jwt-alg", "EdDSA"]).await;
    let admin = admin_token(&app).await;
    let output = app.cli(&["keys", "rotate"], "");
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8(output.stdout).unwrap();
    let new = said.split_whitespace().nth(1).unwrap();

    let list = keys(&app, &admin).await;

    let states: Vec<(&str, &str)> = list
        .iter()
        .map(|k| (k["kid"].as_str().unwrap(), k["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states.len(), 2);
    assert_eq!(states[0], (new, "next"), "newest first");
    assert_eq!(states[1].1, "signing");
    assert_eq!(list[0]["retires_at"], Value::Null);
    assert_eq!(
        list[1]["retires_at"], list[0]["signs_from"],
        "the signing key retires when the next one signs"
    );
}

#[tokio::test]
async fn admin_sees_no_keys_when_the_server_only_ever_used_hs256() {
    let app = spawn_app().await;
    let admin = admin_token(&app).await;
    assert_eq!(keys(&app, &admin).await, Vec::<Value>::new());
}
