//! Small request helpers for the Bearer-token routes (sessions, password, admin users).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Method, Response};
use serde_json::Value;

use crate::helpers::{TestApp, ADMIN_PASSWORD};

/// Sends `method path` with an optional Bearer token and an optional JSON body.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request sent")
}

/// Sends with a token and reads the status and the JSON body.
pub async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let response = send(app, method, path, Some(token), body).await;
    (response.status().as_u16(), json(response).await)
}

/// The bootstrap admin's access token.
pub async fn admin_token(app: &TestApp) -> String {
    app.login_ok("admin", ADMIN_PASSWORD).await.access_token
}

/// The `sid` claim of an access token (read without verifying; the server does that).
pub fn sid_of(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["sid"].as_str().expect("sid claim").to_string()
}

/// Logs in with a given User-Agent and returns (access token, refresh cookie).
pub async fn login_as(
    app: &TestApp,
    username: &str,
    password: &str,
    agent: &str,
) -> (String, String) {
    let response = app
        .client
        .post(app.url("/user/token"))
        .header("User-Agent", agent)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "login of {username} failed");
    let login = crate::helpers::login_from(response).await;
    (login.access_token, login.cookie)
}

pub async fn json(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}
