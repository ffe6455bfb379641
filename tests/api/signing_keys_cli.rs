//! `latchkey keys list | rotate | revoke`, `--key-rotation`, switching `--jwt-alg`, and the schema
//! step that adds the keys.

use std::time::Duration;

use jsonwebtoken::decode_header;
use latchkey::config::{Config, ServeArgs};
use latchkey::startup::Application;
use serde_json::Value;

use crate::helpers::*;
use crate::signing_keys::{eddsa_alice, jwks};

fn kids(set: &Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// The server rebuilds its keys every second: waits (up to 5 s) for the set to match.
async fn published_soon(app: &TestApp, wanted: impl Fn(&[String]) -> bool) -> Vec<String> {
    for _ in 0..50 {
        let now = kids(&jwks(app).await.1);
        if wanted(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the key set never matched");
}

fn keys_cli(app: &TestApp, args: &[&str]) -> String {
    let output = app.cli(args, "");
    assert!(output.status.success(), "{:?}", output);
    String::from_utf8(output.stdout).unwrap()
}

fn kid(token: &str) -> String {
    decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn a_rotated_key_is_published_at_once_and_listed_as_next() {
    let (app, login) = eddsa_alice(&[]).await;
    let first = kid(&login.access_token);

    let said = keys_cli(&app, &["keys", "rotate"]);

    let new = said.split_whitespace().nth(1).unwrap().to_string();
    published_soon(&app, |k| k.contains(&new) && k.contains(&first)).await;
    let list = keys_cli(&app, &["keys", "list"]);
    assert!(list
        .lines()
        .any(|l| l.starts_with(&new) && l.contains(" next ")));
    assert!(list
        .lines()
        .any(|l| l.starts_with(&first) && l.contains(" signing ")));
    let again = app.login_ok("alice", "alice-password").await;
    assert_eq!(
        kid(&again.access_token),
        first,
        "the new key signs only in 5 minutes"
    );
}

#[tokio::test]
async fn revoking_the_signing_key_refuses_its_tokens_at_once_and_a_new_key_signs() {
    let (app, login) = eddsa_alice(&[]).await;
    let revoked = kid(&login.access_token);
    assert_eq!(
        app.me(&login.access_token).await.status(),
        200,
        "verified and cached"
    );

    keys_cli(&app, &["keys", "revoke", &revoked]);

    assert_eq!(app.me(&login.access_token).await.status(), 401);
    published_soon(&app, |k| k.len() == 1 && !k.contains(&revoked)).await;
    let list = keys_cli(&app, &["keys", "list"]);
    assert!(list
        .lines()
        .any(|l| l.starts_with(&revoked) && l.contains(" revoked ")));
    let fresh = app.login_ok("alice", "alice-password").await;
    assert_ne!(kid(&fresh.access_token), revoked);
    assert_eq!(app.me(&fresh.access_token).await.status(), 200);
    let audited = app.query_i64("SELECT COUNT(*) FROM audit_events WHERE event = 'key_revoked'");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn revoking_the_signing_key_lets_the_next_key_sign_at_once() {
    let (app, login) = eddsa_alice(&[]).await;
    let said = keys_cli(&app, &["keys", "rotate"]);
    let next = said.split_whitespace().nth(1).unwrap().to_string();

    keys_cli(&app, &["keys", "revoke", &kid(&login.access_token)]);

    published_soon(&app, |k| k == [next.clone()]).await;
    let fresh = app.login_ok("alice", "alice-password").await;
    assert_eq!(kid(&fresh.access_token), next);
}

/// A kid is base64url: one in 64 starts with `-`, which must not read as a flag.
#[tokio::test]
async fn a_kid_that_starts_with_a_dash_is_taken_as_a_kid() {
    let (app, _) = eddsa_alice(&[]).await;

    let output = app.cli(&["keys", "revoke", "-AbCdEfGhIjKlMnOp"], "");

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("no signing key -AbCdEfGhIjKlMnOp"), "{said}");
}

#[tokio::test]
async fn key_rotation_publishes_a_new_key_on_its_period() {
    let (app, _) = eddsa_alice(&["--key-rotation", "1s"]).await;

    let published = published_soon(&app, |k| k.len() == 2).await;

    assert_eq!(published.len(), 2);
}

/// A second server on the same database and secret, with other flags.
async fn restart(app: &TestApp, flags: &[&str]) -> TestApp {
    let mut all = vec!["--bind", "127.0.0.1:0"];
    all.extend_from_slice(flags);
    let args = ServeArgs::from_flags(all).unwrap();
    let (db, secret) = (app.config.db.clone(), app.database.secret.clone());
    let config = Config::from_args(args, db, secret, None).unwrap();
    let server = Application::build(config.clone()).expect("app builds");
    let port = server.port();
    tokio::spawn(server.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port: None,
        client: app.client.clone(),
        config,
        database: app.database.clone(),
        dir: tempfile::tempdir().unwrap(),
    }
}

#[tokio::test]
async fn tokens_of_either_algorithm_stay_valid_across_a_switch() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let hs256 = app.login_ok("alice", "alice-password").await;

    let eddsa_app = restart(&app, &["--jwt-alg", "EdDSA"]).await;
    let eddsa = eddsa_app.login_ok("alice", "alice-password").await;
    assert_eq!(eddsa_app.me(&hs256.access_token).await.status(), 200);

    let back = restart(&app, &["--jwt-alg", "HS256"]).await;
    assert_eq!(back.me(&eddsa.access_token).await.status(), 200);
    assert_eq!(back.me(&hs256.access_token).await.status(), 200);
    assert_eq!(kids(&jwks(&back).await.1), [kid(&eddsa.access_token)]);
}

#[tokio::test]
async fn a_version_4_database_gains_the_keys_table_and_serves_eddsa() {
    let app = spawn_sqlite_app().await;
    app.add_user("alice", "alice-password", false);
    app.db()
        .execute_batch(
            "DROP TABLE signing_keys; ALTER TABLE refresh_ids DROP COLUMN issued_to;
             DROP INDEX users_by_key; ALTER TABLE users DROP COLUMN username_key;
             PRAGMA user_version = 4;",
        )
        .unwrap();

    let upgraded = restart(&app, &["--jwt-alg", "EdDSA"]).await;

    let version: i64 = app
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, latchkey::store::maintenance::KNOWN_SCHEMA_VERSION);
    let login = upgraded.login_ok("alice", "alice-password").await;
    assert_eq!(upgraded.me(&login.access_token).await.status(), 200);
}

/// Between two rebuilds of the ring (one a second), the job that makes a
/// grant reads its signer's row: once `keys revoke` has returned, no token
/// carries the revoked kid, from a refresh or a login, however soon after.
#[tokio::test]
async fn once_revoke_returns_no_token_is_signed_with_the_revoked_key() {
    let (app, mut login) = eddsa_alice(&[]).await;
    for _ in 0..3 {
        let revoked = kid(&login.access_token);

        keys_cli(&app, &["keys", "revoke", &revoked]);
        let refreshed = app.refresh_ok(&login.cookie).await;
        let logged_in = app.login_ok("alice", "alice-password").await;

        assert_ne!(kid(&refreshed.access_token), revoked, "refresh");
        assert_ne!(kid(&logged_in.access_token), revoked, "login");
        assert_eq!(app.me(&refreshed.access_token).await.status(), 200);
        login = refreshed;
    }
}
