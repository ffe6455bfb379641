use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

async fn change(app: &TestApp, token: &str, current: &str, new: &str) -> reqwest::Response {
    let body = json!({"current_password": current, "new_password": new});
    send(app, Method::POST, "/user/password", Some(token), Some(body)).await
}

#[tokio::test]
async fn a_password_change_keeps_this_session_and_ends_every_other() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let here = app.login_ok("alice", "old-password").await;
    let elsewhere = app.login_ok("alice", "old-password").await;

    let response = change(&app, &here.access_token, "old-password", "new-password").await;

    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        set_cookie(response.headers()).is_none(),
        "the caller's cookie stays as it is"
    );
    assert_eq!(
        app.login("alice", "old-password").await.status(),
        401,
        "old password stops at once"
    );
    app.login_ok("alice", "new-password").await;
    assert_eq!(app.me(&here.access_token).await.status(), 200);
    app.refresh_ok(&here.cookie).await;
    let refused = app.refresh(&elsewhere.cookie).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await.1, "revoked");
    let refused = app.me(&elsewhere.access_token).await;
    assert_eq!(error_of(refused).await.1, "invalid_token");
}

#[tokio::test]
async fn a_wrong_current_password_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let here = app.login_ok("alice", "old-password").await;
    let elsewhere = app.login_ok("alice", "old-password").await;

    let response = change(&app, &here.access_token, "not-my-password", "new-password").await;

    assert_eq!(
        response.status(),
        400,
        "not 401, which would log an SPA out"
    );
    assert!(response.headers().get("www-authenticate").is_none());
    assert_eq!(
        error_of(response).await,
        ("Incorrect password".into(), "invalid_credentials".into())
    );
    app.login_ok("alice", "old-password").await;
    assert_eq!(app.login("alice", "new-password").await.status(), 401);
    app.refresh_ok(&elsewhere.cookie).await;
    assert_eq!(app.me(&here.access_token).await.status(), 200);
}

#[tokio::test]
async fn new_passwords_too_short_too_long_or_unchanged_are_422_with_a_reason() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let token = app.login_ok("alice", "old-password").await.access_token;
    let too_long = "x".repeat(1025);
    let cases = [
        ("1234567", "at least 8 characters"),
        (too_long.as_str(), "at most 1024 characters"),
        ("old-password", "must differ from the current password"),
    ];
    for (new, reason) in cases {
        let response = change(&app, &token, "old-password", new).await;
        assert_eq!(
            response.status(),
            422,
            "new password of {} characters",
            new.len()
        );
        let (detail, code) = error_of(response).await;
        assert_eq!(code, "invalid_request");
        assert!(detail.contains(reason), "{detail:?} should say {reason:?}");
    }
    app.login_ok("alice", "old-password").await;
    let exactly_1024 = "y".repeat(1024);
    assert_eq!(
        change(&app, &token, "old-password", &exactly_1024)
            .await
            .status(),
        204
    );
    app.login_ok("alice", &exactly_1024).await;
}

#[tokio::test]
async fn missing_fields_or_a_wrong_content_type_are_refused() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let token = app.login_ok("alice", "old-password").await.access_token;
    for body in [
        json!({"new_password": "new-password"}),
        json!({"current_password": "old-password"}),
        json!({"current_password": "old-password", "new_password": ""}),
    ] {
        let response = send(
            &app,
            Method::POST,
            "/user/password",
            Some(&token),
            Some(body),
        )
        .await;
        assert_eq!(response.status(), 422);
    }
    let response = app
        .client
        .post(app.url("/user/password"))
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body("current_password=old-password")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    app.login_ok("alice", "old-password").await;
}

#[tokio::test]
async fn the_password_may_be_changed_with_a_form_body() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let token = app.login_ok("alice", "old-password").await.access_token;

    let response = app
        .client
        .post(app.url("/user/password"))
        .bearer_auth(&token)
        .form(&[
            ("current_password", "old-password"),
            ("new_password", "form-password"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    app.login_ok("alice", "form-password").await;
}

#[tokio::test]
async fn a_password_change_needs_an_access_token_before_anything_else() {
    let app = spawn_app().await;
    let body = json!({"current_password": "x", "new_password": "short"});

    let response = send(&app, Method::POST, "/user/password", None, Some(body)).await;

    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "invalid_token");
}

#[tokio::test]
async fn after_a_password_change_only_the_callers_session_is_listed() {
    let app = spawn_app().await;
    app.add_user("alice", "old-password", false);
    let here = app.login_ok("alice", "old-password").await;
    app.login_ok("alice", "old-password").await;
    app.login_ok("alice", "old-password").await;

    assert_eq!(
        change(&app, &here.access_token, "old-password", "new-password")
            .await
            .status(),
        204
    );

    let list = json(
        app.get_with_token("/user/sessions", &here.access_token)
            .await,
    )
    .await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sid_of(&here.access_token)]);
}
