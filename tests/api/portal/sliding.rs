//! A portal session's idle limit (`--refresh-ttl`) slides on use, but is written at most once a
//! minute per session: uses within the minute leave the row alone (and so do not keep a session
//! alive past its idle limit), a use after it moves the limit on (the last write's time is set a
//! minute back in the database rather than waited for).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;

/// The one portal session's `last_used_at` and `expires_at`.
async fn times(app: &TestApp, token: &str) -> (String, String) {
    let listed: Vec<Value> = portal_sessions(app, token).await;
    assert_eq!(listed.len(), 1);
    let field = |name: &str| listed[0][name].as_str().unwrap().to_string();
    (field("last_used_at"), field("expires_at"))
}

/// The idle limit the tests run with (`--refresh-ttl 3s`).
const TTL: Duration = Duration::from_secs(3);

/// alice's access token (to list her sessions), her portal cookie, and an instant after the
/// portal session began.
struct Signed {
    token: String,
    cookie: String,
    by: Instant,
}

async fn signed_in_at_the_portal() -> (TestApp, Signed) {
    let app = portal_app(&["--refresh-ttl", "3s"]).await;
    app.add_user("alice", "alice-password", false);
    // The token first: its password hash, slow on a busy machine, is then not spent
    // out of the portal session's idle time.
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let by = Instant::now();
    (app, Signed { token, cookie, by })
}

#[tokio::test]
async fn uses_within_a_minute_write_nothing_so_the_idle_limit_is_not_moved() {
    let (app, Signed { token, cookie, by }) = signed_in_at_the_portal().await;
    let before = times(&app, &token).await;

    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(verify(&app, &cookie).await.status(), 200);

    assert_eq!(
        times(&app, &token).await,
        before,
        "no write within the minute"
    );
    tokio::time::sleep_until((by + TTL + Duration::from_millis(200)).into()).await;
    assert_eq!(
        verify(&app, &cookie).await.status(),
        401,
        "idle limit not moved"
    );
}

#[tokio::test]
async fn a_use_a_minute_after_the_last_write_slides_the_idle_limit() {
    let (app, Signed { token, cookie, by }) = signed_in_at_the_portal().await;
    let (last_used, expires) = times(&app, &token).await;

    // As if the last write were a minute old: the stored time, not a minute's wait.
    app.execute("UPDATE sessions SET last_used_at = last_used_at - 61000 WHERE kind = 'portal'");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(verify(&app, &cookie).await.status(), 200);

    let (slid_used, slid_expires) = times(&app, &token).await;
    assert!(slid_used > last_used, "{slid_used} after {last_used}");
    assert!(slid_expires > expires, "{slid_expires} after {expires}");
    // Past the first idle limit, within the moved one (a second later).
    tokio::time::sleep_until((by + TTL + Duration::from_millis(200)).into()).await;
    assert_eq!(
        verify(&app, &cookie).await.status(),
        200,
        "alive past the first idle limit"
    );
}
