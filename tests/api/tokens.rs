use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::*;

fn sign(claims: &Value, key: &[u8]) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    encode(&header, claims, &EncodingKey::from_secret(key).unwrap()).unwrap()
}

async fn assert_refused(app: &TestApp, token: &str) {
    let response = app.me(token).await;
    assert_eq!(response.status(), 401, "token {token} was accepted");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        error_of(response).await,
        (
            "Could not validate credentials".to_string(),
            "invalid_token".to_string()
        )
    );
}

async fn app_with_alice() -> (TestApp, Login) {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

#[tokio::test]
async fn the_access_token_carries_the_contracts_claims() {
    let (app, login) = app_with_alice().await;

    let header = jsonwebtoken::decode_header(&login.access_token).unwrap();
    let claims = claims(&login.access_token);

    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["iss"], "latchkey");
    assert_eq!(claims["admin"], false);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    assert_eq!(claims["sid"].as_str().unwrap().len(), 32);
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(app.me(&login.access_token).await.status(), 200);
}

#[tokio::test]
async fn no_authorization_header_is_not_authenticated() {
    let app = spawn_app().await;

    let response = app.client.get(app.url("/user/me")).send().await.unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        error_of(response).await,
        ("Not authenticated".to_string(), "invalid_token".to_string())
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (app, login) = app_with_alice().await;
    let payload = login.access_token.split('.').nth(1).unwrap();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt"}"#);

    assert_refused(&app, &format!("{header}.{payload}.")).await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let (app, login) = app_with_alice().await;

    assert_refused(&app, &sign(&claims(&login.access_token), &[7u8; 32])).await;
}

#[tokio::test]
async fn a_changed_payload_is_refused() {
    let (app, login) = app_with_alice().await;
    let mut changed = claims(&login.access_token);
    changed["admin"] = json!(true);
    let parts: Vec<&str> = login.access_token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(changed.to_string()),
        parts[2]
    );

    assert_refused(&app, &forged).await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (app, login) = app_with_alice().await;
    let mut old = claims(&login.access_token);
    let long_ago = chrono::Utc::now().timestamp() - 3600;
    old["iat"] = json!(long_ago);
    old["exp"] = json!(long_ago + 300);

    assert_refused(&app, &sign(&old, &app.signing_key())).await;
}

#[tokio::test]
async fn a_token_of_another_issuer_is_refused() {
    let (app, login) = app_with_alice().await;
    let mut foreign = claims(&login.access_token);
    foreign["iss"] = json!("someone-else");

    assert_refused(&app, &sign(&foreign, &app.signing_key())).await;
}

#[tokio::test]
async fn a_well_signed_token_for_another_user_name_is_refused() {
    let (app, login) = app_with_alice().await;
    app.add_user("bob", "bob-password", false);
    let mut borrowed = claims(&login.access_token);
    borrowed["sub"] = json!("bob");

    assert_refused(&app, &sign(&borrowed, &app.signing_key())).await;
}

#[tokio::test]
async fn garbage_and_other_schemes_are_refused() {
    let (app, _) = app_with_alice().await;
    assert_refused(&app, "not-a-jwt").await;

    let basic = app
        .client
        .get(app.url("/user/me"))
        .header("Authorization", "Basic YWxpY2U6cHc=")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(basic).await.0, "Not authenticated");
}

#[tokio::test]
async fn me_shows_the_user_record() {
    let (app, login) = app_with_alice().await;

    let response = app.me(&login.access_token).await;

    assert_eq!(response.headers()["cache-control"], "no-store");
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["id"], "alice");
    assert_eq!(me["username"], "alice");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["full_name"], "alice Example");
    assert_eq!(me["disabled"], false);
    assert!(me["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(me.get("password_hash").is_none());
}
