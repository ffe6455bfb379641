//! A PostgreSQL database made by schema version 1 upgrades in place when an instance starts, and
//! A PostgreSQL database made by schema version 1 upgrades in place when an instance starts, and
//! its sessions (their ids from before ids carried their issue time) keep refreshing, into
//! counted ids; one made by version 2 gains the users' credentials version.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::on_disk::legacy_refresh_id;
use crate::postgres::{new_secret, spawn_instance, TestDatabase};

/// The version every upgrade ends at.
fn current() -> String {
    latchkey::store::postgres::SCHEMA_VERSION.to_string()
}

#[tokio::test]
async fn a_version_1_database_upgrades_and_its_sessions_refresh_and_replay() {
    let db = TestDatabase::create();
    db.execute(include_str!("../fixtures/postgres_v1.sql"));
    let (id, now) = (legacy_refresh_id(), latchkey::clock::now_ms());
    let raw = URL_SAFE_NO_PAD.decode(id.to_cookie()).unwrap();
    let key = hex::encode(Sha256::digest(raw));
    db.execute(&format!(
        "INSERT INTO latchkey_schema (version) VALUES (1);
         INSERT INTO users (id, username, username_key, password_hash, created_at, updated_at)
             VALUES (100, 'alice', 'alice', 'x', 0, 0);
         INSERT INTO sessions (id, user_id, generation, created_at, last_used_at,
                               idle_expires_at, absolute_expires_at)
             VALUES ('0123456789abcdef0123456789abcdef', 100, 0, {now}, {now}, {later}, {later});
         INSERT INTO refresh_ids (hash, session_id, generation, issued_at)
             VALUES ('\\x{key}', '0123456789abcdef0123456789abcdef', 0, {now});",
        later = now + 86_400_000
    ));

    let app = spawn_instance(&db.url, &new_secret(), &[]).await;

    let next = app.refresh_ok(&id.to_cookie()).await;
    assert_eq!(next.cookie.len(), 75, "the next id is a counted one");
    let newest = app.refresh_ok(&next.cookie).await;
    let replayed = app.refresh_ok(&id.to_cookie()).await;
    assert_eq!(
        replayed.cookie, newest.cookie,
        "the old id, replayed within the grace, gets the current one"
    );
    assert_eq!(
        db.query_text("SELECT version FROM latchkey_schema")
            .as_deref(),
        Some(current().as_str())
    );
}

/// Version 2's database (version 1's and `sessions.issue_times`) gains the
/// credentials version: logins work, and a password change moves it on.
#[tokio::test]
async fn a_version_2_database_upgrades_and_a_password_change_moves_the_version_on() {
    let db = TestDatabase::create();
    db.execute(include_str!("../fixtures/postgres_v1.sql"));
    let hash = latchkey::auth::password::hash(
        &latchkey::domain::NewPassword::parse("alice-password").unwrap(),
    )
    .unwrap();
    db.execute(&format!(
        "ALTER TABLE sessions ADD COLUMN issue_times BYTEA;
         INSERT INTO latchkey_schema (version) VALUES (2);
         INSERT INTO users (id, username, username_key, password_hash, created_at, updated_at)
             VALUES (100, 'alice', 'alice', '{hash}', 0, 0);
         INSERT INTO mfa_tokens (hash, user_id, expires_at) VALUES ('\\x07', 100, 9999999999999);"
    ));

    let app = spawn_instance(&db.url, &new_secret(), &[]).await;
    let elsewhere = app.login_ok("alice", "alice-password").await;
    let here = app.login_ok("alice", "alice-password").await;
    let changed = app
        .client
        .post(app.url("/user/password"))
        .bearer_auth(&here.access_token)
        .json(&serde_json::json!({"current_password": "alice-password", "new_password": "new-password"}))
        .send()
        .await
        .unwrap();

    assert_eq!(changed.status(), 204);
    assert_eq!(app.refresh(&elsewhere.cookie).await.status(), 401);
    let read = |sql: &str| db.query_text(sql);
    assert_eq!(
        read("SELECT version FROM latchkey_schema").as_deref(),
        Some(current().as_str())
    );
    assert_eq!(
        read("SELECT credentials_version FROM users WHERE id = 100").as_deref(),
        Some("1")
    );
    assert_eq!(
        read("SELECT COUNT(*) FROM mfa_tokens").as_deref(),
        Some("0")
    );
}
