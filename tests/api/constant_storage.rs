//! Sessions in constant storage: however often a session rotates, no row is added; reuse of any
//! earlier id is still caught, however long ago it was rotated; a forged id is `not_found`, never a
//! 500; and a copy of the database under another secret opens no session.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::backend::{random_secret, AppDatabase};
use crate::helpers::*;

/// Logs in and refreshes `generations` times; returns the first and the newest login.
async fn rotated(app: &TestApp, generations: usize) -> (Login, Login) {
    let first = app.login_ok("alice", "alice-password").await;
    let mut newest = first.clone();
    for _ in 0..generations {
        newest = app.refresh_ok(&newest.cookie).await;
    }
    (first, newest)
}

#[tokio::test]
async fn reuse_of_an_id_rotated_1_2_100_or_5000_generations_ago_ends_the_family() {
    let app = spawn_app_with(&["--reuse-grace", "0s"]).await;
    app.add_user("alice", "alice-password", false);

    for generations in [1, 2, 100, 5_000] {
        let (first, newest) = rotated(&app, generations).await;

        let (_, code) = error_of(app.refresh(&first.cookie).await).await;
        assert_eq!(code, "reuse_detected", "{generations} generations back");
        let (_, code) = error_of(app.refresh(&newest.cookie).await).await;
        assert_eq!(code, "reuse_detected", "the family ended");
        assert_eq!(app.me(&newest.access_token).await.status(), 401);
    }
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM sessions"),
        4,
        "one row per session"
    );
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM refresh_ids"),
        0,
        "5,103 rotations added no row"
    );
}

#[tokio::test]
async fn a_session_refreshed_many_times_keeps_one_row_and_its_current_id_works() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let (_, newest) = rotated(&app, 300).await;

    assert_eq!(app.query_i64("SELECT generation FROM sessions"), 300);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM refresh_ids"), 0);
    assert_eq!(app.me(&newest.access_token).await.status(), 200);
    app.refresh_ok(&newest.cookie).await;
}

/// The cookie's bytes: session id (16), counter (8, big-endian), MAC (32).
fn forged(cookie: &str, change: impl Fn(&mut Vec<u8>)) -> String {
    let mut raw = URL_SAFE_NO_PAD.decode(cookie).unwrap();
    change(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

fn counter(raw: &mut [u8], step: i64) {
    let value = i64::from_be_bytes(raw[16..24].try_into().unwrap()) + step;
    raw[16..24].copy_from_slice(&value.to_be_bytes());
}

#[tokio::test]
async fn a_forged_counter_or_mac_is_not_found_and_ends_nothing() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let (_, live) = rotated(&app, 2).await;

    let forgeries = [
        forged(&live.cookie, |raw| counter(raw, 1)),
        forged(&live.cookie, |raw| counter(raw, -1)),
        forged(&live.cookie, |raw| raw[40] ^= 1),
        forged(&live.cookie, |raw| raw[0] ^= 1),
        forged(&live.cookie, |raw| raw[16..24].copy_from_slice(&[0x7f; 8])),
        forged(&live.cookie, |raw| raw[24..].fill(0)),
        URL_SAFE_NO_PAD.encode([0u8; 56]),
        URL_SAFE_NO_PAD.encode([0xffu8; 56]),
    ];
    for cookie in &forgeries {
        let response = app.refresh(cookie).await;
        assert_eq!(response.status(), 401, "{cookie}");
        assert_eq!(error_of(response).await.1, "not_found", "{cookie}");
        assert_eq!(app.logout(cookie).await.status(), 204);
    }

    let next = app.refresh_ok(&live.cookie).await;
    assert_eq!(app.me(&next.access_token).await.status(), 200);
}

#[tokio::test]
async fn a_copy_of_the_database_under_another_secret_opens_no_session() {
    let app = spawn_sqlite_app().await;
    app.add_user("alice", "alice-password", false);
    let (_, live) = rotated(&app, 3).await;
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("copy.db");
    app.db()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();

    let database = AppDatabase::sqlite_with_secret(copy, &random_secret());
    let thief = spawn_on(database, copy_dir, &[]);

    let stolen = thief.refresh(&live.cookie).await;
    assert_eq!(error_of(stolen).await.1, "not_found");
    app.refresh_ok(&live.cookie).await;
}
