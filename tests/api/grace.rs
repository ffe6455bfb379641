//! The reuse grace serves only the client that rotated: same `User-Agent`, same /24 or /64. Any
//! other replay of a rotated id, and a logout with one past the grace, ends the family as reuse.

use std::time::{Duration, Instant};

use latchkey::config::{Config, ServeArgs};
use latchkey::startup::Application;
use latchkey::store::AuditQuery;

use crate::helpers::*;

const VICTIM_UA: &str = "Mozilla/5.0 (victim)";

/// An app behind a trusted proxy, and alice logged in from `VICTIM_UA` at 192.0.2.10.
async fn victim_app(flags: &[&str]) -> (TestApp, String) {
    let mut all = vec!["--trust-proxy", "true"];
    all.extend_from_slice(flags);
    let app = spawn_app_with(&all).await;
    app.add_user("alice", "alice-password", false);
    let response = app
        .client
        .post(app.url("/user/token"))
        .header("User-Agent", VICTIM_UA)
        .header("X-Forwarded-For", "192.0.2.10")
        .form(&[("username", "alice"), ("password", "alice-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    (app, login_from(response).await.cookie)
}

/// A refresh from a client with this `User-Agent` and address.
async fn refresh_from(app: &TestApp, cookie: &str, ua: &str, address: &str) -> reqwest::Response {
    app.client
        .post(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={cookie}"))
        .header("User-Agent", ua)
        .header("X-Forwarded-For", address)
        .send()
        .await
        .unwrap()
}

/// How many `event` rows the audit trail has for alice, once at least `want`
/// have landed (the audit writer is a background thread) or 10 s passed.
async fn audited(app: &TestApp, event: &str, want: u64) -> u64 {
    let started = Instant::now();
    loop {
        let query = AuditQuery {
            username: Some("alice".into()),
            event: Some(event.into()),
            ..AuditQuery::default()
        };
        let count = app.with_store(|store| store.query_audit(&query)).unwrap().1;
        if count >= want || started.elapsed() > Duration::from_secs(10) {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A thief replays the victim's old id just after the victim rotated it.
async fn assert_replay_is_reuse(thief_ua: &str, thief_address: &str) {
    let (app, old) = victim_app(&[]).await;
    let rotated = refresh_from(&app, &old, VICTIM_UA, "192.0.2.10").await;
    assert_eq!(rotated.status(), 200);
    let live = login_from(rotated).await.cookie;

    let replay = refresh_from(&app, &old, thief_ua, thief_address).await;

    assert_eq!(replay.status(), 401, "no grace for another client");
    assert_eq!(error_of(replay).await.1, "reuse_detected");
    let victim = refresh_from(&app, &live, VICTIM_UA, "192.0.2.10").await;
    assert_eq!(
        error_of(victim).await.1,
        "reuse_detected",
        "the family is over, the victim's live id too"
    );
    assert!(audited(&app, "refresh_reuse_detected", 1).await >= 1);
}

#[tokio::test]
async fn a_replay_within_the_grace_from_another_user_agent_is_reuse() {
    assert_replay_is_reuse("curl/8.0 (thief)", "192.0.2.10").await;
}

#[tokio::test]
async fn a_replay_within_the_grace_from_another_network_is_reuse() {
    assert_replay_is_reuse(VICTIM_UA, "198.51.100.7").await;
}

#[tokio::test]
async fn a_replay_within_the_grace_from_the_same_browser_and_network_gets_the_same_successor() {
    let (app, old) = victim_app(&[]).await;
    let first = login_from(refresh_from(&app, &old, VICTIM_UA, "192.0.2.10").await).await;

    // Another address of the same /24: a second tab behind the same NAT pool.
    let replay = refresh_from(&app, &old, VICTIM_UA, "192.0.2.77").await;

    assert_eq!(replay.status(), 200);
    assert_eq!(login_from(replay).await.cookie, first.cookie);
    let next = refresh_from(&app, &first.cookie, VICTIM_UA, "192.0.2.10").await;
    assert_eq!(next.status(), 200, "the family lives on");
}

#[tokio::test]
async fn a_replay_from_the_same_ipv6_64_is_the_same_client() {
    let (app, old) = victim_app(&[]).await;
    let rotated = refresh_from(&app, &old, VICTIM_UA, "2001:db8:1:2::10").await;
    let first = login_from(rotated).await;

    let same = refresh_from(&app, &old, VICTIM_UA, "2001:db8:1:2:abcd::1").await;
    assert_eq!(same.status(), 200);
    assert_eq!(login_from(same).await.cookie, first.cookie);

    let other = refresh_from(&app, &old, VICTIM_UA, "2001:db8:1:3::10").await;
    assert_eq!(error_of(other).await.1, "reuse_detected");
}

#[tokio::test]
async fn a_logout_with_an_id_rotated_before_the_grace_is_reuse_and_still_204() {
    let (app, old) = victim_app(&["--reuse-grace", "1s"]).await;
    let live = login_from(refresh_from(&app, &old, VICTIM_UA, "192.0.2.10").await).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;

    let logout = app
        .client
        .post(app.url("/user/logout"))
        .header("Cookie", format!("refresh_token={old}"))
        .header("User-Agent", VICTIM_UA)
        .header("X-Forwarded-For", "192.0.2.10")
        .send()
        .await
        .unwrap();

    assert_eq!(logout.status(), 204);
    let victim = refresh_from(&app, &live.cookie, VICTIM_UA, "192.0.2.10").await;
    assert_eq!(error_of(victim).await.1, "reuse_detected");
    assert!(audited(&app, "refresh_reuse_detected", 1).await >= 1);
    assert_eq!(audited(&app, "logout", 0).await, 0, "not a plain logout");
}

#[tokio::test]
async fn a_logout_with_the_live_id_is_a_plain_logout() {
    let (app, old) = victim_app(&[]).await;
    let live = login_from(refresh_from(&app, &old, VICTIM_UA, "192.0.2.10").await).await;

    assert_eq!(app.logout(&live.cookie).await.status(), 204);

    assert_eq!(error_of(app.refresh(&live.cookie).await).await.1, "revoked");
    assert_eq!(audited(&app, "logout", 1).await, 1);
    assert_eq!(audited(&app, "refresh_reuse_detected", 0).await, 0);
}

#[tokio::test]
async fn a_version_4_database_upgrades_and_its_live_session_still_refreshes() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("latchkey.db");
    let old = rusqlite::Connection::open(&db_path).unwrap();
    old.execute_batch(include_str!("fixtures/schema_v4.sql"))
        .unwrap();
    let (sid, secret, now) = (
        "0123456789abcdef0123456789abcdef",
        crate::on_disk::legacy_refresh_id(),
        latchkey::clock::now_ms(),
    );
    old.execute(
        "INSERT INTO users (id, username, password_hash, admin, created_at, updated_at)
         VALUES (1, 'admin', 'x', 1, 0, 0)",
        [],
    )
    .unwrap();
    old.execute(
        "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at, absolute_expires_at)
         VALUES (?1, 1, 0, ?2, ?2, ?3, ?3)",
        rusqlite::params![sid, now, now + 86_400_000],
    )
    .unwrap();
    old.execute(
        "INSERT INTO refresh_ids (hash, session_id, generation, issued_at) VALUES (?1, ?2, 0, ?3)",
        rusqlite::params![secret.hash().key(), sid, now],
    )
    .unwrap();
    drop(old);

    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let config = Config::from_args(args, db_path.clone(), None, None).unwrap();
    let app = Application::build(config).expect("the version 4 database upgrades");
    let url = format!("http://127.0.0.1:{}/user/refresh-token", app.port());
    tokio::spawn(app.run_until_stopped());
    let refresh = |cookie: String| {
        reqwest::Client::new()
            .post(&url)
            .header("Cookie", format!("refresh_token={cookie}"))
            .send()
    };

    let first = refresh(secret.to_cookie()).await.unwrap();
    assert_eq!(
        first.status(),
        200,
        "a session from before the upgrade lives on"
    );
    let next = login_from(first).await.cookie;
    assert_eq!(next.len(), 75, "the next id is a counted one");
    let newest = refresh(next).await.unwrap();
    assert_eq!(newest.status(), 200);
    let newest = login_from(newest).await.cookie;
    let replayed = login_from(refresh(secret.to_cookie()).await.unwrap()).await;
    assert_eq!(
        replayed.cookie, newest,
        "the old id, replayed within the grace, gets the current one across the change of format"
    );
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let (version, fingerprints): (i64, i64) = (
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap(),
        conn.query_row("SELECT COUNT(issued_to) FROM sessions", [], |r| r.get(0))
            .unwrap(),
    );
    assert_eq!(
        (version, fingerprints),
        (latchkey::store::maintenance::KNOWN_SCHEMA_VERSION, 1),
        "the session's row keeps the rotating client"
    );
}
