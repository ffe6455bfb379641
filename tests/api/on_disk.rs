//! What a SQLite database holds on disk: no raw cookie value, a private key file, a newer
//! version refused, and old files upgraded in place with their sessions still working.

use std::os::unix::fs::PermissionsExt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey::config::{Config, ServeArgs};
use latchkey::domain::ChainedId;
use latchkey::startup::Application;

use crate::helpers::*;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A refresh id as older versions issued them (32 random bytes, no issue
/// time), for databases written by those versions.
pub fn legacy_refresh_id() -> ChainedId {
    ChainedId::new(None, rand::random())
}

#[tokio::test]
async fn the_raw_cookie_value_appears_nowhere_in_the_database_or_its_wal() {
    let app = spawn_sqlite_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let next = app.refresh_ok(&login.cookie).await;

    let mut files = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", app.db_path().display());
        files.push(std::fs::read(path).unwrap_or_default());
    }
    for cookie in [&login.cookie, &next.cookie] {
        let raw = URL_SAFE_NO_PAD.decode(cookie).unwrap();
        for file in &files {
            assert!(!contains(file, cookie.as_bytes()), "cookie text stored");
            assert!(!contains(file, &raw), "raw refresh id stored");
        }
    }
    for cookie in [&login.cookie, &next.cookie] {
        // The id is the session's id, a counter and a MAC: only the session's id is stored.
        let raw = URL_SAFE_NO_PAD.decode(cookie).unwrap();
        assert_eq!(raw.len(), 56);
        assert!(
            !files.iter().any(|file| contains(file, &raw[24..])),
            "MAC stored"
        );
    }
    let rows: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM refresh_ids", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "counted ids are never stored");
}

#[tokio::test]
async fn the_signing_key_is_generated_beside_the_database_with_mode_0600() {
    let app = spawn_sqlite_app().await;

    let path = app.dir.path().join("latchkey.secret");
    let text = std::fs::read_to_string(&path).unwrap();

    assert_eq!(hex::decode(text.trim()).unwrap().len(), 32);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[tokio::test]
async fn a_restart_on_the_same_files_keeps_users_sessions_and_key() {
    let app = spawn_sqlite_app().await;
    let login = app.login_ok("admin", ADMIN_PASSWORD).await;

    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let config = Config::from_args(args, app.db_path(), None, None).unwrap();
    let again = Application::build(config).expect("schema applies twice");
    let port = again.port();
    tokio::spawn(again.run_until_stopped());

    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/user/me"))
        .bearer_auth(&login.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "same key, same session");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("latchkey.db");
    rusqlite::Connection::open(&db_path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();

    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let config = Config::from_args(args, db_path, None, Some(ADMIN_PASSWORD.into())).unwrap();
    let error = Application::build(config).err().expect("refused");

    assert!(error.to_string().contains("newer latchkey"), "got: {error}");
}

#[tokio::test]
async fn an_inline_secret_is_used_and_no_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let inline = Some("0123456789abcdef".repeat(4));
    let config = Config::from_args(
        args,
        dir.path().join("l.db"),
        inline,
        Some(ADMIN_PASSWORD.into()),
    )
    .unwrap();
    let app = Application::build(config).unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());

    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/user/token"))
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let token = login_from(response).await.access_token;

    assert!(!dir.path().join("latchkey.secret").exists());
    let bytes = hex::decode("0123456789abcdef".repeat(4)).unwrap();
    let key = jsonwebtoken::DecodingKey::from_secret(&bytes).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["latchkey"]);
    assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).is_ok());
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_sqlite_app().await;

    let response = app.client.get(app.url("/healthz")).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"status": "ok"})
    );
}

#[tokio::test]
async fn a_version_1_database_upgrades_and_its_sessions_still_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("latchkey.db");
    let old = rusqlite::Connection::open(&db_path).unwrap();
    old.execute_batch(include_str!("fixtures/schema_v1.sql"))
        .unwrap();
    old.execute_batch("PRAGMA user_version = 1;").unwrap();
    let (sid, secret, now) = (
        "0123456789abcdef0123456789abcdef",
        legacy_refresh_id(),
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
        "INSERT INTO refresh_ids (hash, session_id, generation) VALUES (?1, ?2, 0)",
        rusqlite::params![secret.hash().key(), sid],
    )
    .unwrap();
    drop(old);

    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let config = Config::from_args(args, db_path.clone(), None, None).unwrap();
    let app = Application::build(config).expect("the old database upgrades");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/user/refresh-token"))
        .header("Cookie", format!("refresh_token={}", secret.to_cookie()))
        .send()
        .await
        .unwrap();

    assert_eq!(
        response.status(),
        200,
        "a session from before the upgrade lives on"
    );
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let foreign_keys: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM pragma_foreign_key_list('refresh_ids')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let ids: i64 = conn
        .query_row("SELECT COUNT(*) FROM refresh_ids", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (foreign_keys, ids),
        (0, 1),
        "the old id's row is kept for reuse detection; the rotation inserted nothing"
    );
}
