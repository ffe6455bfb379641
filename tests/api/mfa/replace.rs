//! Replacing a factor in force: the password alone (what a stolen access token plus a known
//! password gives) is refused with 400 `invalid_code`; a code of the factor, or a recovery code,
//! lets a new one be enrolled, and the old one holds until the new one is confirmed.

use serde_json::{json, Value};

use super::*;

async fn enrol_with(app: &TestApp, token: &str, body: Value) -> Response {
    post_json(app, "/user/mfa/totp", token, body).await
}

/// A login of alice with `code` in one step: its status.
async fn login_with_code(app: &TestApp, code: &str) -> u16 {
    let form = [
        ("username", "alice"),
        ("password", "alice-password"),
        ("otp", code),
    ];
    let response = app
        .client
        .post(app.url("/user/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn the_password_alone_or_a_wrong_code_never_replaces_a_factor_in_force() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = &alice.login.access_token;

    let bare = enrol_with(&app, token, json!({"current_password": "alice-password"})).await;
    let wrong = json!({"current_password": "alice-password", "code": "000000"});
    let wrong = enrol_with(&app, token, wrong).await;

    for refused in [bare, wrong] {
        assert_eq!(refused.status(), 400);
        assert_eq!(error_of(refused).await.1, "invalid_code");
    }
    let pending = confirm(&app, token, &code_at(&alice.secret, alice.step + 1)).await;
    assert_eq!(pending.status(), 400, "nothing pending to confirm");
    assert_eq!(
        login_with_code(&app, &code_at(&alice.secret, alice.step + 1)).await,
        200,
        "the factor in force still is"
    );
}

#[tokio::test]
async fn a_code_of_the_factor_in_force_lets_a_new_one_replace_it() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = &alice.login.access_token;

    let code = code_at(&alice.secret, alice.step + 1);
    let body = json!({"current_password": "alice-password", "code": code});
    let enrolment = enrol_with(&app, token, body).await;

    assert_eq!(enrolment.status(), 200);
    let new_secret = enrolment.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    // Confirming sets the last step used to its own: the next step logs in.
    let step = now_step();
    assert_eq!(
        confirm(&app, token, &code_at(&new_secret, step))
            .await
            .status(),
        200
    );
    assert_eq!(
        login_with_code(&app, &code_at(&alice.secret, step + 1)).await,
        401
    );
    assert_eq!(
        login_with_code(&app, &code_at(&new_secret, step + 1)).await,
        200
    );
}

#[tokio::test]
async fn a_recovery_code_works_once_in_place_of_the_code() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = &alice.login.access_token;
    let body = json!({"current_password": "alice-password", "code": alice.recovery_codes[0]});

    let first = enrol_with(&app, token, body.clone()).await;
    let again = enrol_with(&app, token, body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(again.status(), 400);
    assert_eq!(error_of(again).await.1, "invalid_code");
    assert_eq!(status(&app, token).await["recovery_codes_left"], 9);
}
