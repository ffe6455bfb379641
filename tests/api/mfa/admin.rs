//! Removing a second factor: the user itself (password and a code), an admin (`DELETE
//! /admin/users/{username}/mfa`) or an operator (`latchkey user mfa-reset`); each ends sessions,
//! and the admin record shows `mfa` read-only.

use serde_json::{json, Value};

use super::{code_at, enrolled, status};
use crate::helpers::*;

async fn remove_own(app: &TestApp, token: &str, password: &str, code: &str) -> reqwest::Response {
    app.client
        .delete(app.url("/user/mfa"))
        .bearer_auth(token)
        .json(&json!({"current_password": password, "code": code}))
        .send()
        .await
        .expect("request sent")
}

async fn admin_reset(app: &TestApp, token: &str, username: &str) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/admin/users/{username}/mfa")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

async fn admin_record(app: &TestApp, token: &str, username: &str) -> Value {
    let response = app
        .get_with_token(&format!("/admin/users/{username}"), token)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn removing_ones_own_factor_needs_the_password_and_a_code_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let other = app
        .client
        .post(app.url("/user/token"))
        .form(&[
            ("username", "alice"),
            ("password", "alice-password"),
            ("otp", &code_at(&alice.secret, alice.step + 1)),
        ])
        .send()
        .await
        .unwrap();
    let other = login_from(other).await;
    let token = &alice.login.access_token;

    let wrong_password =
        remove_own(&app, token, "not-her-password", &alice.recovery_codes[0]).await;
    let wrong_code = remove_own(&app, token, "alice-password", "000000").await;
    let right = remove_own(&app, token, "alice-password", &alice.recovery_codes[0]).await;

    assert_eq!(wrong_password.status(), 400);
    assert_eq!(error_of(wrong_password).await.1, "invalid_credentials");
    assert_eq!(wrong_code.status(), 400);
    assert_eq!(error_of(wrong_code).await.1, "invalid_code");
    assert_eq!(right.status(), 204);
    assert_eq!(
        status(&app, token).await,
        json!({"totp": false, "recovery_codes_left": 0})
    );
    assert_eq!(app.me(&other.access_token).await.status(), 401);
    assert_eq!(app.me(token).await.status(), 200);
    assert_eq!(app.login("alice", "alice-password").await.status(), 200);
}

#[tokio::test]
async fn an_admin_removes_a_users_factor_and_all_of_its_sessions_end() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    assert_eq!(
        admin_record(&app, &admin.access_token, "alice").await["mfa"],
        true
    );

    let response = admin_reset(&app, &admin.access_token, "alice").await;

    assert_eq!(response.status(), 204);
    assert_eq!(app.me(&alice.login.access_token).await.status(), 401);
    assert_eq!(
        error_of(app.refresh(&alice.login.cookie).await).await.1,
        "revoked"
    );
    assert_eq!(
        admin_record(&app, &admin.access_token, "alice").await["mfa"],
        false
    );
    let login = app.login_ok("alice", "alice-password").await;
    assert_eq!(claims(&login.access_token)["amr"], json!(["pwd"]));
}

#[tokio::test]
async fn admin_removal_is_404_for_an_unknown_user_and_403_for_a_non_admin() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let alice = enrolled(&app, "alice", "alice-password").await;

    let unknown = admin_reset(&app, &admin.access_token, "nobody").await;
    let by_alice = admin_reset(&app, &alice.login.access_token, "alice").await;

    assert_eq!(unknown.status(), 404);
    assert_eq!(error_of(unknown).await.1, "not_found");
    assert_eq!(by_alice.status(), 403);
    assert_eq!(
        admin_record(&app, &admin.access_token, "alice").await["mfa"],
        true
    );
}

#[tokio::test]
async fn the_admin_list_shows_mfa_and_put_or_patch_ignore_it() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    enrolled(&app, "alice", "alice-password").await;
    let list: Vec<Value> = app
        .get_with_token(
            "/admin/users?_sort=username&_order=ASC",
            &admin.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let flags: Vec<(&str, &Value)> = list
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), &u["mfa"]))
        .collect();
    assert_eq!(flags, [("admin", &json!(false)), ("alice", &json!(true))]);

    for method in [reqwest::Method::PUT, reqwest::Method::PATCH] {
        let response = app
            .client
            .request(method, app.url("/admin/users/alice"))
            .bearer_auth(&admin.access_token)
            .json(&json!({"mfa": false, "full_name": "Alice"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<Value>().await.unwrap()["mfa"], true);
    }
    let me: Value = app.me(&admin.access_token).await.json().await.unwrap();
    assert!(
        me.get("mfa").is_none(),
        "only admin records carry mfa: {me}"
    );
}

#[tokio::test]
async fn the_cli_mfa_reset_removes_the_factor_and_ends_the_sessions() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;

    let output = app.cli(&["user", "mfa-reset", "alice"], "");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(app.me(&alice.login.access_token).await.status(), 401);
    assert_eq!(app.login("alice", "alice-password").await.status(), 200);
    let unknown = app.cli(&["user", "mfa-reset", "nobody"], "");
    assert_eq!(unknown.status.code(), Some(1));
}
