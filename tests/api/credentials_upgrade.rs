//! A version 10 file gains the users' credentials version (version 11) in place, and every later
//! version: its users log in, its sessions and waiting login steps carry over, and the first change
//! that ends sessions moves the version on and ends them. (PostgreSQL's version 3: tests/api/instances/upgrade.rs.)

use latchkey::auth::password;
use latchkey::domain::NewPassword;
use reqwest::Method;
use serde_json::json;

use crate::bearer::send;
use crate::helpers::*;
use crate::on_disk::legacy_refresh_id;

#[tokio::test]
async fn a_version_10_file_upgrades_and_a_password_change_then_ends_its_old_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("latchkey.db")).unwrap();
    conn.execute_batch(include_str!("fixtures/schema_v10.sql"))
        .unwrap();
    let hash = password::hash(&NewPassword::parse("alice-password").unwrap()).unwrap();
    let (old_id, now) = (legacy_refresh_id(), latchkey::clock::now_ms());
    conn.execute_batch(&format!(
        "INSERT INTO users (id, username, username_key, password_hash, created_at, updated_at)
             VALUES (1, 'alice', 'alice', '{hash}', 0, 0);
         INSERT INTO sessions (id, user_id, generation, created_at, last_used_at,
                               idle_expires_at, absolute_expires_at)
             VALUES ('0123456789abcdef0123456789abcdef', 1, 0, {now}, {now}, {later}, {later});
         INSERT INTO mfa_tokens (hash, user_id, expires_at) VALUES (x'07', 1, {later});",
        later = now + 86_400_000
    ))
    .unwrap();
    conn.execute(
        "INSERT INTO refresh_ids (hash, session_id, generation, issued_at)
         VALUES (?1, '0123456789abcdef0123456789abcdef', 0, ?2)",
        rusqlite::params![old_id.hash().key(), now],
    )
    .unwrap();
    drop(conn);

    let app = spawn_on(AppDatabase::new(Backend::Sqlite, dir.path()), dir, &[]);
    let old = app.refresh_ok(&old_id.to_cookie()).await;
    let here = app.login_ok("alice", "alice-password").await;
    let body = json!({"current_password": "alice-password", "new_password": "new-password"});
    let token = Some(here.access_token.as_str());
    let changed = send(&app, Method::POST, "/user/password", token, Some(body)).await;

    assert_eq!(changed.status(), 204);
    assert_eq!(error_of(app.refresh(&old.cookie).await).await.1, "revoked");
    let conn = rusqlite::Connection::open(app.dir.path().join("latchkey.db")).unwrap();
    let read = |sql: &str| conn.query_row(sql, [], |row| row.get::<_, i64>(0)).unwrap();
    assert_eq!(
        read("PRAGMA user_version"),
        latchkey::store::maintenance::KNOWN_SCHEMA_VERSION
    );
    assert_eq!(
        read("SELECT credentials_version FROM users WHERE id = 1"),
        1,
        "from 0, moved on once"
    );
    assert_eq!(
        read("SELECT COUNT(*) FROM mfa_tokens"),
        0,
        "the login step from before the change is gone"
    );
}
