//! The audit table in the database: the sweeper prunes events past the retention, and a version-1
//! database gains the table on upgrade with its data kept.

use std::time::{Duration, Instant};

use latchkey::config::{Config, ServeArgs};
use latchkey::startup::Application;
use latchkey::store::{AuditEvent, AuditStore, SqliteStore};

use crate::helpers::*;

const DAY: i64 = 86_400_000;

fn old_and_new_events(db: &std::path::Path) {
    let store = SqliteStore::open(db, 1).unwrap();
    let now = latchkey::clock::now_ms();
    let event = |at: i64, username: &str| AuditEvent {
        at,
        event: "login_ok".into(),
        username: Some(username.into()),
        ..AuditEvent::default()
    };
    let events = [event(now - 40 * DAY, "old"), event(now - 29 * DAY, "kept")];
    store.append_audit(&events).unwrap();
}

fn usernames_in_audit(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT username FROM audit_events ORDER BY id")
        .unwrap();
    let names = stmt.query_map([], |row| row.get(0)).unwrap();
    names.collect::<Result<_, _>>().unwrap()
}

#[tokio::test]
async fn the_sweeper_prunes_events_older_than_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    old_and_new_events(&db);

    let args =
        ServeArgs::from_flags(["--bind", "127.0.0.1:0", "--audit-retention", "30d"]).unwrap();
    let config = Config::from_args(args, db.clone(), None, Some(ADMIN_PASSWORD.into())).unwrap();
    let app = Application::build(config).unwrap();
    tokio::spawn(app.run_until_stopped());

    let started = Instant::now();
    while usernames_in_audit(&db).contains(&"old".to_string()) {
        assert!(started.elapsed() < Duration::from_secs(10), "never pruned");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(usernames_in_audit(&db), ["kept"]);
}

#[tokio::test]
async fn a_version_1_database_upgrades_to_the_current_version_and_keeps_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let v1 = rusqlite::Connection::open(&db).unwrap();
    v1.execute_batch(include_str!("fixtures/schema_v1.sql"))
        .unwrap();
    v1.execute_batch("PRAGMA user_version = 1;").unwrap();
    let hash = latchkey::auth::password::hash(
        &latchkey::domain::NewPassword::parse("old-admin-password").unwrap(),
    )
    .unwrap();
    v1.execute(
        "INSERT INTO users (username, password_hash, admin, created_at, updated_at) VALUES ('admin', ?1, 1, 0, 0)",
        [&hash],
    )
    .unwrap();
    drop(v1);

    for _ in 0..2 {
        SqliteStore::open(&db, 1).expect("upgrades, then opens as it is");
    }

    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let events: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_events", [], |r| r.get(0))
        .unwrap();
    let admin: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    let known = latchkey::store::maintenance::KNOWN_SCHEMA_VERSION;
    assert_eq!((version, events), (known, 0));
    assert_eq!(admin, hash);
}
