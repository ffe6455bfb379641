//! Usernames in Unicode: a name is stored in NFKC, so its composed and decomposed spellings are one name to create and to log in with.

use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

const COMPOSED: &str = "\u{c9}lise";
const DECOMPOSED: &str = "E\u{301}lise";

#[tokio::test]
async fn composed_and_decomposed_spellings_are_one_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let first = json!({"username": DECOMPOSED, "password": "elise-password"});
    let again = json!({"username": COMPOSED, "password": "other-password"});

    let (created, record) = call(&app, &token, Method::POST, "/admin/users", Some(first)).await;
    let (status, _) = call(&app, &token, Method::POST, "/admin/users", Some(again)).await;

    assert_eq!(created, 201);
    assert_eq!(record["username"], COMPOSED, "stored normalised");
    assert_eq!(status, 409);
    app.login_ok(COMPOSED, "elise-password").await;
    app.login_ok(DECOMPOSED, "elise-password").await;
}

#[tokio::test]
async fn compatibility_forms_log_in_as_the_plain_name() {
    let app = spawn_app().await;
    app.add_user("elise", "elise-password", false);

    // Fullwidth letters are the same name after NFKC.
    app.login_ok("\u{ff45}lise", "elise-password").await;
}
