//! Login with a second factor: `mfa_required` and its single-use, 5-minute `mfa_token`, the
//! one-step `otp` field, codes used once, recovery codes, the login throttle and the `amr` claim.

use reqwest::Response;
use serde_json::{json, Value};

use super::{code_at, enrolled};
use crate::helpers::*;

pub(super) async fn second_step(app: &TestApp, mfa_token: &str, code: &str) -> Response {
    app.client
        .post(app.url("/user/token/mfa"))
        .json(&json!({"mfa_token": mfa_token, "code": code}))
        .send()
        .await
        .expect("request sent")
}

pub(super) async fn login_with_otp(
    app: &TestApp,
    username: &str,
    password: &str,
    otp: &str,
) -> Response {
    app.client
        .post(app.url("/user/token"))
        .form(&[("username", username), ("password", password), ("otp", otp)])
        .send()
        .await
        .expect("request sent")
}

/// The `mfa_token` of a password-only login of a user with a factor.
pub(super) async fn mfa_token(app: &TestApp, username: &str, password: &str) -> String {
    let response = app.login(username, password).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "mfa_required");
    body["mfa_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_right_password_alone_answers_mfa_required_with_a_token_and_no_cookie() {
    let app = spawn_app().await;
    enrolled(&app, "alice", "alice-password").await;

    let response = app.login("alice", "alice-password").await;

    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert!(set_cookie(response.headers()).is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "A one-time code is required.");
    assert_eq!(body["code"], "mfa_required");
    assert!(body["mfa_token"].as_str().unwrap().len() >= 43);
}

#[tokio::test]
async fn the_mfa_token_and_a_code_log_in_with_amr_pwd_otp_which_refresh_keeps() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;

    let response = second_step(&app, &token, &code_at(&alice.secret, alice.step + 1)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let login = login_from(response).await;
    assert_eq!(claims(&login.access_token)["amr"], json!(["pwd", "otp"]));
    assert_eq!(app.me(&login.access_token).await.status(), 200);
    let refreshed = app.refresh_ok(&login.cookie).await;
    assert_eq!(
        claims(&refreshed.access_token)["amr"],
        json!(["pwd", "otp"])
    );
    assert_eq!(claims(&alice.login.access_token)["amr"], json!(["pwd"]));
}

#[tokio::test]
async fn an_otp_field_in_the_login_request_logs_in_in_one_step() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let code = code_at(&alice.secret, alice.step + 1);

    let response = login_with_otp(&app, "alice", "alice-password", &code).await;

    assert_eq!(response.status(), 200);
    let login = login_from(response).await;
    assert_eq!(claims(&login.access_token)["amr"], json!(["pwd", "otp"]));
}

#[tokio::test]
async fn a_code_is_accepted_once_and_codes_of_earlier_steps_are_refused_after_it() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let next = code_at(&alice.secret, alice.step + 1);
    assert_eq!(
        login_with_otp(&app, "alice", "alice-password", &next)
            .await
            .status(),
        200
    );

    let replayed = login_with_otp(&app, "alice", "alice-password", &next).await;
    let earlier = login_with_otp(
        &app,
        "alice",
        "alice-password",
        &code_at(&alice.secret, alice.step),
    )
    .await;

    for response in [replayed, earlier] {
        assert_eq!(response.status(), 401);
        assert!(set_cookie(response.headers()).is_none());
        assert_eq!(
            error_of(response).await,
            (
                "Invalid or expired one-time code.".into(),
                "invalid_code".into()
            )
        );
    }
}

#[tokio::test]
async fn the_code_used_to_confirm_does_not_log_in_again() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;

    let response = login_with_otp(
        &app,
        "alice",
        "alice-password",
        &code_at(&alice.secret, alice.step),
    )
    .await;

    assert_eq!(error_of(response).await.1, "invalid_code");
}

#[tokio::test]
async fn an_mfa_token_works_once() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;
    let first = second_step(&app, &token, &code_at(&alice.secret, alice.step + 1)).await;
    assert_eq!(first.status(), 200);

    let again = second_step(&app, &token, &alice.recovery_codes[0]).await;

    assert_eq!(again.status(), 401);
    assert_eq!(error_of(again).await.1, "invalid_code");
    let fresh = mfa_token(&app, "alice", "alice-password").await;
    assert_eq!(
        second_step(&app, &fresh, &alice.recovery_codes[0])
            .await
            .status(),
        200,
        "the recovery code was not used up"
    );
}

#[tokio::test]
async fn an_mfa_token_past_its_five_minutes_is_refused() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;
    let now = latchkey::clock::now_ms();
    let lifetime = app.query_i64(&format!("SELECT expires_at - {now} FROM mfa_tokens"));
    assert!((295_000..=300_000).contains(&lifetime), "{lifetime}");
    let past = latchkey::clock::now_ms() - 1;
    app.execute(&format!("UPDATE mfa_tokens SET expires_at = {past}"));

    let response = second_step(&app, &token, &code_at(&alice.secret, alice.step + 1)).await;

    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "invalid_code");
}

#[tokio::test]
async fn an_mfa_token_is_bound_to_its_user() {
    let app = spawn_app().await;
    enrolled(&app, "alice", "alice-password").await;
    let bob = enrolled(&app, "bob", "bob-password-1").await;
    let alices = mfa_token(&app, "alice", "alice-password").await;

    let response = second_step(&app, &alices, &code_at(&bob.secret, bob.step + 1)).await;
    let with_bobs_recovery = second_step(&app, &alices, &bob.recovery_codes[0]).await;

    assert_eq!(error_of(response).await.1, "invalid_code");
    assert_eq!(error_of(with_bobs_recovery).await.1, "invalid_code");
}

#[tokio::test]
async fn an_mfa_token_dies_after_five_wrong_codes() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;
    for _ in 0..5 {
        let wrong = second_step(&app, &token, "000000").await;
        assert_eq!(error_of(wrong).await.1, "invalid_code");
    }

    let right = second_step(&app, &token, &code_at(&alice.secret, alice.step + 1)).await;

    assert_eq!(right.status(), 401);
    assert_eq!(error_of(right).await.1, "invalid_code");
}

#[tokio::test]
async fn a_password_change_ends_a_login_waiting_for_its_code() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;

    let changed = super::post_json(
        &app,
        "/user/password",
        &alice.login.access_token,
        json!({"current_password": "alice-password", "new_password": "alice-new-password"}),
    )
    .await;
    assert_eq!(changed.status(), 204);

    let late = second_step(&app, &token, &code_at(&alice.secret, alice.step + 1)).await;
    assert_eq!(late.status(), 401);
    assert_eq!(error_of(late).await.1, "invalid_code");
}
