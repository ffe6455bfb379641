use std::time::Duration;

use latchkey::store::UserChange;

use crate::helpers::*;

async fn logged_in_app(flags: &[&str]) -> (TestApp, Login) {
    let app = spawn_app_with(flags).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

/// How many times the only session has rotated: one live id per generation.
fn rotations(app: &TestApp) -> i64 {
    app.query_i64("SELECT generation FROM sessions")
}

#[tokio::test]
async fn refresh_rotates_the_cookie_and_returns_a_new_token() {
    let (app, login) = logged_in_app(&[]).await;

    let response = app.refresh(&login.cookie).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookie(response.headers()).unwrap();
    assert!(cookie.attribute("httponly").is_some());
    assert_eq!(cookie.attribute("path"), Some("/user"));
    let next = login_from(response).await;
    assert_eq!(next.token_expiry, 300);
    assert_ne!(next.cookie, login.cookie);
    assert_ne!(next.access_token, login.access_token);
    assert_eq!(
        claims(&next.access_token)["sid"],
        claims(&login.access_token)["sid"]
    );
    assert_eq!(app.me(&next.access_token).await.status(), 200);
    app.refresh_ok(&next.cookie).await;
}

#[tokio::test]
async fn refresh_works_with_get_as_well_as_post() {
    let (app, login) = logged_in_app(&[]).await;

    let response = app
        .client
        .get(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={}", login.cookie))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_old_id_within_the_grace_gets_the_same_successor() {
    let (app, login) = logged_in_app(&[]).await;
    let first = app.refresh_ok(&login.cookie).await;

    let replay = app.refresh_ok(&login.cookie).await;

    assert_eq!(
        replay.cookie, first.cookie,
        "the family's current id, not a new branch"
    );
    assert_eq!(rotations(&app), 1, "one rotation, no second branch");
    app.refresh_ok(&first.cookie).await;
}

#[tokio::test]
async fn a_replay_two_generations_behind_within_the_grace_gets_the_current_id() {
    let (app, login) = logged_in_app(&[]).await;
    let second = app.refresh_ok(&login.cookie).await;
    let third = app.refresh_ok(&second.cookie).await;

    let replay = app.refresh_ok(&login.cookie).await;

    assert_eq!(replay.cookie, third.cookie);
}

#[tokio::test]
async fn refresh_after_grace_revokes_the_family() {
    let (app, login) = logged_in_app(&["--reuse-grace", "0s"]).await;
    let newest = app.refresh_ok(&login.cookie).await;

    let replay = app.refresh(&login.cookie).await;

    assert_eq!(replay.status(), 401);
    assert_eq!(
        error_of(replay).await,
        (
            "The refresh token has expired or was not found.".to_string(),
            "reuse_detected".to_string()
        )
    );
    let newest_refresh = app.refresh(&newest.cookie).await;
    assert_eq!(
        newest_refresh.status(),
        401,
        "the thief's newest id dies too"
    );
    assert_eq!(error_of(newest_refresh).await.1, "reuse_detected");
    assert_eq!(app.me(&newest.access_token).await.status(), 401);
}

#[tokio::test]
async fn two_concurrent_refreshes_with_one_cookie_both_succeed_and_leave_one_live_id() {
    let (app, login) = logged_in_app(&[]).await;

    let (a, b) = tokio::join!(app.refresh(&login.cookie), app.refresh(&login.cookie));

    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (a, b) = (login_from(a).await, login_from(b).await);
    assert_eq!(a.cookie, b.cookie);
    assert_eq!(rotations(&app), 1, "one rotation, no second branch");
    app.refresh_ok(&a.cookie).await;
}

#[tokio::test]
async fn refresh_without_a_cookie_or_with_an_unknown_one_is_not_found() {
    let app = spawn_app().await;
    let no_cookie = app
        .client
        .post(app.url("/user/refresh-token"))
        .send()
        .await
        .unwrap();
    let unknown = app
        .refresh("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let garbage = app.refresh("not-a-refresh-id").await;

    for response in [no_cookie, unknown, garbage] {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            error_of(response).await,
            (
                "The refresh token has expired or was not found.".to_string(),
                "not_found".to_string()
            )
        );
    }
}

#[tokio::test]
async fn an_idle_session_expires_and_is_deleted() {
    let (app, login) = logged_in_app(&["--refresh-ttl", "1s"]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let response = app.refresh(&login.cookie).await;

    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "expired");
    let sessions = app.query_i64("SELECT COUNT(*) FROM sessions");
    assert_eq!(sessions, 0, "an expired session is deleted when met");
    assert_eq!(app.me(&login.access_token).await.status(), 401);
}

#[tokio::test]
async fn each_refresh_extends_the_idle_limit() {
    let (app, login) = logged_in_app(&["--refresh-ttl", "2s"]).await;
    let mut cookie = login.cookie;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        cookie = app.refresh_ok(&cookie).await.cookie;
    }
    // 2.7 s after login: past the first idle limit, alive because it slid.
}

#[tokio::test]
async fn the_absolute_max_age_caps_the_sliding_idle_limit() {
    let (app, login) = logged_in_app(&["--session-max-age", "2s"]).await;

    tokio::time::sleep(Duration::from_millis(1000)).await;
    let response = app.refresh(&login.cookie).await;
    assert_eq!(response.status(), 200);
    let max_age: i64 = set_cookie(response.headers())
        .unwrap()
        .attribute("max-age")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        max_age <= 1,
        "the cookie lives only as long as the session, got {max_age}"
    );
    let next = login_from(response).await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = app.refresh(&next.cookie).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "expired");
}

#[tokio::test]
async fn a_disabled_user_gets_user_account_error_and_reenabling_does_not_revive_the_session() {
    let (app, login) = logged_in_app(&[]).await;
    let now = latchkey::clock::now_ms;
    let disabled = |disabled| UserChange {
        disabled: Some(disabled),
        ..UserChange::default()
    };

    app.with_store(|store| store.update_user("alice", &disabled(true), now()))
        .unwrap();
    let response = app.refresh(&login.cookie).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        error_of(response).await,
        (
            "User account error.".to_string(),
            "user_disabled".to_string()
        )
    );
    assert_eq!(app.me(&login.access_token).await.status(), 401);

    app.with_store(|store| store.update_user("alice", &disabled(false), now()))
        .unwrap();
    let response = app.refresh(&login.cookie).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await.1, "revoked");
}

#[tokio::test]
async fn a_deleted_users_session_is_not_found() {
    let (app, login) = logged_in_app(&[]).await;
    app.with_store(|store| store.delete_user_unless_last_admin("alice"))
        .unwrap();

    let response = app.refresh(&login.cookie).await;
    assert_eq!(error_of(response).await.1, "not_found");
    assert_eq!(app.me(&login.access_token).await.status(), 401);
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie_with_the_same_attributes() {
    let (app, login) = logged_in_app(&[]).await;

    let response = app.logout(&login.cookie).await;

    assert_eq!(response.status(), 204);
    let cleared = set_cookie(response.headers()).unwrap();
    assert_eq!(cleared.value, "");
    assert_eq!(cleared.attribute("max-age"), Some("0"));
    assert_eq!(cleared.attribute("path"), Some("/user"));
    assert_eq!(cleared.attribute("samesite"), Some("Strict"));
    assert!(cleared.attribute("httponly").is_some() && cleared.attribute("secure").is_some());
    let refresh = app.refresh(&login.cookie).await;
    assert_eq!(error_of(refresh).await.1, "revoked");
    let me = app.me(&login.access_token).await;
    assert_eq!(
        error_of(me).await,
        (
            "Could not validate credentials".to_string(),
            "invalid_token".to_string()
        )
    );
}

#[tokio::test]
async fn logout_without_a_cookie_or_with_a_dead_one_is_a_harmless_204() {
    let app = spawn_app().await;
    let bare = app
        .client
        .post(app.url("/user/logout"))
        .send()
        .await
        .unwrap();
    let dead = app
        .logout("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!((bare.status().as_u16(), dead.status().as_u16()), (204, 204));
}

#[tokio::test]
async fn cookie_settings_change_the_cookie() {
    let app = spawn_app_with(&[
        "--cookie-name",
        "sid",
        "--cookie-samesite",
        "lax",
        "--cookie-secure",
        "false",
    ])
    .await;
    let response = app.login("admin", ADMIN_PASSWORD).await;

    let cookie = set_cookie(response.headers()).unwrap();
    assert_eq!(cookie.name, "sid");
    assert_eq!(cookie.attribute("samesite"), Some("Lax"));
    assert!(cookie.attribute("secure").is_none());
}
