use crate::helpers::*;
use latchkey::store::UserChange;

#[tokio::test]
async fn login_returns_a_token_and_an_http_only_refresh_cookie() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let response = app.login("alice", "alice-password").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookie(response.headers()).expect("Set-Cookie");
    assert_eq!(cookie.name, "refresh_token");
    assert!(cookie.value.len() >= 43, "at least 256 bits, base64url");
    assert!(cookie.attribute("httponly").is_some());
    assert!(cookie.attribute("secure").is_some());
    assert_eq!(cookie.attribute("samesite"), Some("Strict"));
    assert_eq!(cookie.attribute("path"), Some("/user"));
    let max_age: i64 = cookie.attribute("max-age").unwrap().parse().unwrap();
    assert!(
        (7 * 86_400 - 5..=7 * 86_400).contains(&max_age),
        "seconds left in the session, got {max_age}"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["token_expiry"], 300);
}

#[tokio::test]
async fn login_accepts_json_as_well_as_a_form() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let response = app
        .client
        .post(app.url("/user/token"))
        .json(&serde_json::json!({"username": "alice", "password": "alice-password"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(login_from(response).await.access_token.contains('.'));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let wrong_password = app.login("alice", "not-her-password").await;
    let unknown_user = app.login("nobody", "alice-password").await;

    for response in [wrong_password, unknown_user] {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert!(set_cookie(response.headers()).is_none());
        assert_eq!(
            error_of(response).await,
            (
                "Incorrect username or password".to_string(),
                "invalid_credentials".to_string()
            )
        );
    }
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let disable = UserChange {
        disabled: Some(true),
        ..UserChange::default()
    };
    app.with_store(|store| store.update_user("alice", &disable, latchkey::clock::now_ms()))
        .unwrap();

    let response = app.login("alice", "alice-password").await;

    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.0, "Incorrect username or password");
}

#[tokio::test]
async fn missing_or_empty_fields_are_422() {
    let app = spawn_app().await;
    for form in [
        vec![("username", "alice")],
        vec![("password", "x")],
        vec![("username", ""), ("password", "x")],
    ] {
        let response = app
            .client
            .post(app.url("/user/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "form {form:?}");
        assert_eq!(error_of(response).await.1, "invalid_request");
    }
}

#[tokio::test]
async fn usernames_match_case_insensitively() {
    let app = spawn_app().await;
    app.add_user("Alice", "alice-password", false);

    let login = app.login_ok("alice", "alice-password").await;

    let me: serde_json::Value = app.me(&login.access_token).await.json().await.unwrap();
    assert_eq!(me["username"], "Alice");
}

#[tokio::test]
async fn login_with_a_live_cookie_of_the_same_user_continues_that_session() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let first = app.login_ok("alice", "alice-password").await;

    let again = app
        .client
        .post(app.url("/user/token"))
        .header("Cookie", format!("refresh_token={}", first.cookie))
        .form(&[("username", "alice"), ("password", "alice-password")])
        .send()
        .await
        .unwrap();
    let again = login_from(again).await;

    assert_ne!(again.cookie, first.cookie, "the session is rotated");
    assert_eq!(
        claims(&again.access_token)["sid"],
        claims(&first.access_token)["sid"]
    );
    let sessions = app.with_store(|store| store.count_live_sessions(latchkey::clock::now_ms()));
    assert_eq!(sessions.unwrap(), 1);
}

#[tokio::test]
async fn login_with_another_users_cookie_starts_a_new_session() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let alice = app.login_ok("alice", "alice-password").await;

    let bob = app
        .client
        .post(app.url("/user/token"))
        .header("Cookie", format!("refresh_token={}", alice.cookie))
        .form(&[("username", "bob"), ("password", "bob-password")])
        .send()
        .await
        .unwrap();
    let bob = login_from(bob).await;

    assert_ne!(
        claims(&bob.access_token)["sid"],
        claims(&alice.access_token)["sid"]
    );
    app.refresh_ok(&alice.cookie).await;
}

#[tokio::test]
async fn the_seed_bcrypt_user_logs_in_and_is_rehashed_to_argon2id() {
    let app = spawn_app().await;
    let seed_hash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
    app.add_user_with_hash("johndoe", seed_hash, false);

    app.login_ok("johndoe", "secret").await;

    let stored = app.user("johndoe").unwrap().password_hash;
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "got {stored}"
    );
    app.login_ok("johndoe", "secret").await;
    assert_eq!(app.login("johndoe", "wrong").await.status(), 401);
}

#[tokio::test]
async fn the_first_start_creates_an_admin_with_the_bootstrap_password() {
    let app = spawn_app().await;

    let login = app.login_ok("admin", ADMIN_PASSWORD).await;

    let me: serde_json::Value = app.me(&login.access_token).await.json().await.unwrap();
    assert_eq!(me["admin"], true);
    assert_eq!(claims(&login.access_token)["admin"], true);
}
