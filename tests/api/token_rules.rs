//! The access token's header and clock rules: `typ: at+jwt` required, `iat` not in the future
//! beyond the leeway, the Bearer scheme case-insensitive.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::*;

fn sign_with_typ(claims: &Value, key: &[u8], typ: Option<&str>) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = typ.map(str::to_string);
    encode(&header, claims, &EncodingKey::from_secret(key).unwrap()).unwrap()
}

async fn alice() -> (TestApp, Login) {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

async fn assert_invalid_token(app: &TestApp, token: &str) {
    let response = app.me(token).await;
    assert_eq!(response.status(), 401, "token {token} was accepted");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_of(response).await.1, "invalid_token");
}

#[tokio::test]
async fn a_token_typed_jwt_instead_of_at_jwt_is_refused() {
    let (app, login) = alice().await;
    let key = app.signing_key();
    let claims = claims(&login.access_token);
    assert_eq!(
        app.me(&sign_with_typ(&claims, &key, Some("at+jwt")))
            .await
            .status(),
        200
    );

    assert_invalid_token(&app, &sign_with_typ(&claims, &key, Some("JWT"))).await;
}

#[tokio::test]
async fn a_token_without_typ_is_refused() {
    let (app, login) = alice().await;

    let untyped = sign_with_typ(&claims(&login.access_token), &app.signing_key(), None);

    assert_invalid_token(&app, &untyped).await;
}

#[tokio::test]
async fn a_token_issued_far_in_the_future_is_refused() {
    let (app, login) = alice().await;
    let mut future = claims(&login.access_token);
    let later = chrono::Utc::now().timestamp() + 3600;
    future["iat"] = json!(later);
    future["exp"] = json!(later + 300);

    let token = sign_with_typ(&future, &app.signing_key(), Some("at+jwt"));

    assert_invalid_token(&app, &token).await;
}

#[tokio::test]
async fn an_iat_within_the_leeway_is_accepted() {
    let (app, login) = alice().await;
    let mut skewed = claims(&login.access_token);
    skewed["iat"] = json!(chrono::Utc::now().timestamp() + 10);

    let token = sign_with_typ(&skewed, &app.signing_key(), Some("at+jwt"));

    assert_eq!(app.me(&token).await.status(), 200);
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let (app, login) = alice().await;
    for scheme in ["bearer", "Bearer", "BEARER", "bEaReR"] {
        let response = app
            .client
            .get(app.url("/user/me"))
            .header("Authorization", format!("{scheme} {}", login.access_token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "scheme {scheme} was refused");
    }
}
