//! Passkeys over HTTP: registration, sign-in, management, and what they do to sessions, the
//! throttle, the audit trail, the CLI and access rules. Every answer is made by a software
//! authenticator (`authenticator`) from the options the server gave, never mocked.

mod authenticator;
mod challenge_cap;
mod effects;
mod library;
mod manage;
mod portal;
mod register;
mod sign_in;

use reqwest::Response;
use serde_json::{json, Value};

pub use authenticator::{b64, unb64, SoftPasskey};

use crate::helpers::*;

/// The origin the server expects without `--public-url`.
pub fn origin(app: &TestApp) -> String {
    format!("http://localhost:{}", app.port)
}

/// A fresh authenticator for the app's RP id and origin.
pub fn soft_key(app: &TestApp) -> SoftPasskey {
    SoftPasskey::new("localhost", &origin(app))
}

pub async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

/// `POST /user/passkeys/register` with `body`.
pub async fn begin_registration(app: &TestApp, token: &str, body: Value) -> Response {
    post_json(app, "/user/passkeys/register", token, body).await
}

/// A registration begun with the right password: (challenge_id, options).
pub async fn registration_options(app: &TestApp, token: &str, password: &str) -> (String, Value) {
    let response = begin_registration(app, token, json!({"current_password": password})).await;
    assert_eq!(response.status(), 200, "registration did not begin");
    challenge_of(response).await
}

pub async fn challenge_of(response: Response) -> (String, Value) {
    let body: Value = response.json().await.expect("json body");
    let id = body["challenge_id"].as_str().expect("challenge_id").into();
    (id, body["options"].clone())
}

pub async fn finish_registration(
    app: &TestApp,
    token: &str,
    challenge_id: &str,
    name: &str,
    credential: Value,
) -> Response {
    let body = json!({"challenge_id": challenge_id, "name": name, "credential": credential});
    post_json(app, "/user/passkeys/register/finish", token, body).await
}

/// Registers `key` for the user of `token` under `name`; the new item.
pub async fn register_ok(
    app: &TestApp,
    token: &str,
    password: &str,
    key: &mut SoftPasskey,
    name: &str,
) -> Value {
    let (challenge_id, options) = registration_options(app, token, password).await;
    let credential = key.register(&options);
    let response = finish_registration(app, token, &challenge_id, name, credential).await;
    assert_eq!(response.status(), 201, "registration refused");
    response.json().await.unwrap()
}

/// alice, signed in with her password, with one passkey "laptop".
pub async fn alice_with_a_passkey(app: &TestApp) -> (Login, SoftPasskey) {
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let mut key = soft_key(app);
    register_ok(
        app,
        &login.access_token,
        "alice-password",
        &mut key,
        "laptop",
    )
    .await;
    (login, key)
}

/// `POST /user/token/passkey`: (challenge_id, options).
pub async fn sign_in_options(app: &TestApp) -> (String, Value) {
    let response = app
        .client
        .post(app.url("/user/token/passkey"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "sign-in did not begin");
    challenge_of(response).await
}

pub async fn finish_sign_in(app: &TestApp, challenge_id: &str, credential: Value) -> Response {
    app.client
        .post(app.url("/user/token/passkey/finish"))
        .json(&json!({"challenge_id": challenge_id, "credential": credential}))
        .send()
        .await
        .expect("request sent")
}

/// A whole sign-in with `key`: the finish's answer.
pub async fn sign_in(app: &TestApp, key: &mut SoftPasskey) -> Response {
    let (challenge_id, options) = sign_in_options(app).await;
    let credential = key.assert(&options);
    finish_sign_in(app, &challenge_id, credential).await
}

pub async fn sign_in_ok(app: &TestApp, key: &mut SoftPasskey) -> Login {
    let response = sign_in(app, key).await;
    assert_eq!(response.status(), 200, "passkey sign-in refused");
    login_from(response).await
}

/// Asserts a 401 `invalid_credentials`.
pub async fn assert_refused_sign_in(response: Response) {
    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "invalid_credentials");
}

/// Asserts a 400 `invalid_request`.
pub async fn assert_refused_registration(response: Response) {
    assert_eq!(response.status(), 400);
    assert_eq!(error_of(response).await.1, "invalid_request");
}

pub async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get_with_token("/user/passkeys", token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

pub fn stored_passkeys(app: &TestApp) -> i64 {
    app.query_i64("SELECT COUNT(*) FROM passkeys")
}
