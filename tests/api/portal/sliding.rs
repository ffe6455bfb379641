//! A portal session's idle limit (`--refresh-ttl`) slides on use, but is written at most once a
//! minute per session: uses within the minute leave the row alone (and so do not keep a session
//! alive past its idle limit), a use after it moves the limit on.

use std::time::Duration;

use serde_json::Value;

use super::*;

/// The one portal session's `last_used_at` and `expires_at`.
async fn times(app: &TestApp, token: &str) -> (String, String) {
    let listed: Vec<Value> = portal_sessions(app, token).await;
    assert_eq!(listed.len(), 1);
    let field = |name: &str| listed[0][name].as_str().unwrap().to_string();
    (field("last_used_at"), field("expires_at"))
}

#[tokio::test]
async fn uses_within_a_minute_write_nothing_so_the_idle_limit_is_not_moved() {
    let app = portal_app(&["--refresh-ttl", "2s"]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let before = times(&app, &token).await;

    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(verify(&app, &cookie).await.status(), 200);

    assert_eq!(
        times(&app, &token).await,
        before,
        "no write within the minute"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        verify(&app, &cookie).await.status(),
        401,
        "idle limit not moved"
    );
}

#[tokio::test]
async fn a_use_a_minute_after_the_last_write_slides_the_idle_limit() {
    let app = portal_app(&["--refresh-ttl", "62s"]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let (last_used, expires) = times(&app, &token).await;

    // The contract's interval is a minute: nothing shorter proves the write.
    tokio::time::sleep(Duration::from_millis(60_100)).await;
    assert_eq!(verify(&app, &cookie).await.status(), 200);

    let (slid_used, slid_expires) = times(&app, &token).await;
    assert!(slid_used > last_used, "{slid_used} after {last_used}");
    assert!(slid_expires > expires, "{slid_expires} after {expires}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        verify(&app, &cookie).await.status(),
        200,
        "alive past the first idle limit"
    );
}
