//! The second factor over HTTP: enrolment, confirmation and status. Codes are computed here from
//! the secret the server returned, with an independent TOTP implementation (totp-rs), never mocked.

mod admin;
mod codes;
mod login;
mod replace;
mod storage;

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::*;

/// The 30-second TOTP step of now.
pub fn now_step() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(30)
}

/// The 6-digit code of `step` for a base32 secret.
pub fn code_at(secret: &str, step: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("a valid TOTP");
    totp.generate((step * 30) as u64).to_string()
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

pub async fn enrol(app: &TestApp, token: &str, password: &str) -> Response {
    post_json(
        app,
        "/user/mfa/totp",
        token,
        json!({"current_password": password}),
    )
    .await
}

pub async fn confirm(app: &TestApp, token: &str, code: &str) -> Response {
    post_json(app, "/user/mfa/totp/confirm", token, json!({"code": code})).await
}

pub async fn status(app: &TestApp, token: &str) -> Value {
    let response = app.get_with_token("/user/mfa", token).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A user with a confirmed factor, confirmed with the code of `step`.
pub struct Enrolled {
    pub secret: String,
    pub recovery_codes: Vec<String>,
    /// The session that enrolled (password only).
    pub login: Login,
    pub step: i64,
}

pub async fn enrolled(app: &TestApp, username: &str, password: &str) -> Enrolled {
    app.add_user(username, password, false);
    let login = app.login_ok(username, password).await;
    let enrolment = enrol(app, &login.access_token, password).await;
    assert_eq!(enrolment.status(), 200);
    let secret = enrolment.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let step = now_step();
    let confirmed = confirm(app, &login.access_token, &code_at(&secret, step)).await;
    assert_eq!(confirmed.status(), 200);
    let body: Value = confirmed.json().await.unwrap();
    let recovery_codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    Enrolled {
        secret,
        recovery_codes,
        login,
        step,
    }
}

#[tokio::test]
async fn a_user_without_a_second_factor_has_none_and_no_recovery_codes() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let shown = status(&app, &login.access_token).await;

    assert_eq!(shown, json!({"totp": false, "recovery_codes_left": 0}));
}

#[tokio::test]
async fn enrolment_returns_a_pending_secret_its_url_and_a_qr_code_that_login_does_not_yet_ask_for()
{
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = enrol(&app, &login.access_token, "alice-password").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert_eq!(
        body["otpauth_url"],
        format!("otpauth://totp/latchkey:alice?secret={secret}&issuer=latchkey")
    );
    assert!(body["qr_svg"].as_str().unwrap().starts_with("<svg"));
    assert_eq!(status(&app, &login.access_token).await["totp"], false);
    assert_eq!(app.login("alice", "alice-password").await.status(), 200);
}

#[tokio::test]
async fn the_mfa_issuer_setting_is_the_name_in_the_otpauth_url() {
    let app = spawn_app_with(&["--mfa-issuer", "Acme Admin"]).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let body: Value = enrol(&app, &login.access_token, "alice-password")
        .await
        .json()
        .await
        .unwrap();

    let secret = body["secret"].as_str().unwrap();
    assert_eq!(
        body["otpauth_url"],
        format!("otpauth://totp/Acme%20Admin:alice?secret={secret}&issuer=Acme%20Admin")
    );
}

#[tokio::test]
async fn enrolment_with_a_wrong_password_is_400_invalid_credentials() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = enrol(&app, &login.access_token, "not-her-password").await;

    assert_eq!(response.status(), 400);
    assert!(response.headers().get("www-authenticate").is_none());
    assert_eq!(error_of(response).await.1, "invalid_credentials");
}

#[tokio::test]
async fn confirming_returns_ten_recovery_codes_and_ends_the_other_sessions_only() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let other = app.login_ok("alice", "alice-password").await;
    let this = app.login_ok("alice", "alice-password").await;
    let body: Value = enrol(&app, &this.access_token, "alice-password")
        .await
        .json()
        .await
        .unwrap();
    let code = code_at(body["secret"].as_str().unwrap(), now_step());

    let response = confirm(&app, &this.access_token, &code).await;

    assert_eq!(response.status(), 200);
    let codes: Vec<String> =
        serde_json::from_value(response.json::<Value>().await.unwrap()["recovery_codes"].clone())
            .unwrap();
    assert_eq!(codes.len(), 10);
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    let shown = status(&app, &this.access_token).await;
    assert_eq!(shown, json!({"totp": true, "recovery_codes_left": 10}));
    assert_eq!(app.me(&other.access_token).await.status(), 401);
    assert_eq!(
        error_of(app.refresh(&other.cookie).await).await.1,
        "revoked"
    );
    assert_eq!(app.me(&this.access_token).await.status(), 200);
}

#[tokio::test]
async fn confirming_with_a_wrong_code_is_400_invalid_code_and_login_still_needs_no_code() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let body: Value = enrol(&app, &login.access_token, "alice-password")
        .await
        .json()
        .await
        .unwrap();
    let stale = code_at(body["secret"].as_str().unwrap(), now_step() - 10);

    let response = confirm(&app, &login.access_token, &stale).await;

    assert_eq!(response.status(), 400);
    assert_eq!(
        error_of(response).await,
        (
            "Invalid or expired one-time code.".into(),
            "invalid_code".into()
        )
    );
    assert_eq!(status(&app, &login.access_token).await["totp"], false);
    assert_eq!(app.login("alice", "alice-password").await.status(), 200);
}
