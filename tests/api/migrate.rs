//! `latchkey migrate`: a SQLite database that served real logins, copied by the real binary into
//! PostgreSQL, serves the same users, sessions, second factors and audit trail there; a copy into a
//! database that already holds rows is refused.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;
use crate::mfa::{code_at, enrolled, Enrolled};
use crate::passkeys::{alice_with_a_passkey, origin, sign_in_ok, SoftPasskey};
use crate::postgres::{latchkey, spawn_instance, TestDatabase};

fn migrate(from: &std::path::Path, to: &str) -> std::process::Output {
    latchkey(
        &["migrate", "--from", from.to_str().unwrap(), "--to", to],
        &[],
    )
}

/// Rows per table, from the summary migrate prints.
fn summary(stdout: &[u8]) -> HashMap<String, i64> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [table, rows, "rows"] => Some((table.to_string(), rows.parse().ok()?)),
                _ => None,
            },
        )
        .collect()
}

/// The summary's rows per table, each checked against the source's count.
fn summary_matching_the_source(sqlite: &TestApp, stdout: &[u8]) -> HashMap<String, i64> {
    let copied = summary(stdout);
    assert_eq!(copied.len(), 11, "{copied:?}");
    for (table, rows) in &copied {
        let source: i64 = sqlite
            .db()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(*rows, source, "{table}");
    }
    copied
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    let request = app.client.post(app.url(path)).json(&body);
    let request = match token {
        "" => request,
        token => request.bearer_auth(token),
    };
    request.send().await.unwrap()
}

/// The audit trail, newest first, once it holds `at_least` events (they are
/// written by a background thread a moment after the answer).
async fn audit_events(app: &TestApp, token: &str, at_least: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let page = app.get_with_token("/admin/audit?_end=1000", token).await;
        assert_eq!(page.status(), 200);
        let events: Vec<Value> = page.json().await.unwrap();
        if events.len() >= at_least {
            return events;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{events:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_migrated_database_keeps_passwords_sessions_second_factors_and_the_audit_trail() {
    let sqlite = spawn_sqlite_app().await;
    // First: adding a passkey ends alice's other sessions.
    let (_, mut key) = alice_with_a_passkey(&sqlite).await;
    let grouped = sqlite.cli(&["user", "groups", "alice", "--add", "ops"], "");
    assert!(grouped.status.success());
    let alice = sqlite.login_ok("alice", "alice-password").await;
    let carol = enrolled(&sqlite, "carol", "carol-password").await;
    let admin = sqlite.login_ok("admin", ADMIN_PASSWORD).await;
    let before = audit_events(&sqlite, &admin.access_token, 4).await;
    let secret = std::fs::read_to_string(sqlite.dir.path().join("latchkey.secret")).unwrap();
    let target = TestDatabase::create();

    let output = migrate(&sqlite.db_path(), &target.url);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains(&target.url), "the URL is not shown");
    let copied = summary_matching_the_source(&sqlite, &output.stdout);
    assert_eq!(copied["users"], 3);
    assert_eq!(copied["user_mfa"], 1);
    assert_eq!(copied["user_groups"], 1);
    assert_eq!(copied["passkeys"], 1);
    assert_eq!(copied["passkey_users"], 1);
    assert_eq!(
        target.query_text("SELECT name FROM user_groups").as_deref(),
        Some("ops"),
        "alice's group carries over"
    );
    assert_eq!(
        target
            .query_text("SELECT credentials_version FROM users WHERE username = 'carol'")
            .as_deref(),
        Some("1"),
        "the credentials version carries over (carol's confirmation moved it on)"
    );

    let postgres = spawn_instance(&target.url, secret.trim(), &[]).await;
    serves_the_copy(&postgres, &alice, &carol, &before).await;
    signs_in_with_the_copied_passkey(&postgres, &mut key).await;
}

/// The passkey (public key, counter, user handle) carried over: it signs
/// alice in at the new instance (whose port is another origin's).
async fn signs_in_with_the_copied_passkey(postgres: &TestApp, key: &mut SoftPasskey) {
    key.origin = origin(postgres);
    let login = sign_in_ok(postgres, key).await;
    assert_eq!(claims(&login.access_token)["sub"], "alice");
}

/// Checks on an app over the copy: passwords, a live session, the sealed
/// TOTP secret, the audit trail, and ids for new users.
async fn serves_the_copy(postgres: &TestApp, alice: &Login, carol: &Enrolled, before: &[Value]) {
    postgres.login_ok("alice", "alice-password").await;
    postgres.refresh_ok(&alice.cookie).await;
    let otp = code_at(&carol.secret, carol.step + 1);
    let carol_login = json!({"username": "carol", "password": "carol-password", "otp": otp});
    let carol_login = post_json(postgres, "/user/token", "", carol_login).await;
    assert_eq!(carol_login.status(), 200, "the sealed TOTP secret opens");
    let admin = postgres.login_ok("admin", ADMIN_PASSWORD).await;
    let after = audit_events(postgres, &admin.access_token, before.len()).await;
    for event in before {
        assert!(after.contains(event), "{event} was carried over");
    }
    let dave = json!({"username": "dave", "password": "dave-password"});
    let created = post_json(postgres, "/admin/users", &admin.access_token, dave).await;
    assert_eq!(created.status(), 201, "new ids follow the copied ones");
}

#[tokio::test]
async fn migrate_refuses_a_database_that_already_holds_rows_and_changes_nothing() {
    let sqlite = spawn_sqlite_app().await;
    sqlite.add_user("alice", "alice-password", false);
    let target = TestDatabase::create();
    assert!(migrate(&sqlite.db_path(), &target.url).status.success());
    sqlite.add_user("bob", "bob-password", false);

    let again = migrate(&sqlite.db_path(), &target.url);

    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(
        target.query_text("SELECT count(*) FROM users WHERE username = 'bob'"),
        Some("0".into())
    );
    target.execute("DELETE FROM users; INSERT INTO audit_events (at, event) VALUES (1, 'login')");
    let only_audit = migrate(&sqlite.db_path(), &target.url);
    let stderr = String::from_utf8_lossy(&only_audit.stderr);
    assert!(stderr.contains("audit_events has"), "{stderr}");
}

#[tokio::test]
async fn a_large_trail_is_copied_whole_with_progress_shown_every_ten_thousand_rows() {
    let sqlite = spawn_sqlite_app().await;
    sqlite
        .db()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
             INSERT INTO audit_events (at, event, username) SELECT i, 'login', 'alice' FROM n",
        )
        .unwrap();
    let source: i64 = sqlite
        .db()
        .query_row("SELECT count(*) FROM audit_events", [], |r| r.get(0))
        .unwrap();
    let target = TestDatabase::create();

    let output = migrate(&sqlite.db_path(), &target.url);

    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for done in [10_000, 20_000] {
        let line = format!("audit_events: {done} of {source} rows copied");
        assert!(stderr.contains(&line), "{stderr}");
    }
    assert_eq!(summary(&output.stdout)["audit_events"], source);
    assert_eq!(
        target.query_text("SELECT count(*) FROM audit_events WHERE event = 'login'"),
        Some("25000".into())
    );
}

#[tokio::test]
async fn a_portal_session_is_copied_with_its_kind_and_its_cookie_still_passes_forward_auth() {
    let sqlite = spawn_sqlite_app().await;
    sqlite.add_user("alice", "alice-password", false);
    let form = [("username", "alice"), ("password", "alice-password")];
    let signed_in = sqlite
        .client
        .post(sqlite.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = set_cookie(signed_in.headers()).unwrap().value;
    let secret = std::fs::read_to_string(sqlite.dir.path().join("latchkey.secret")).unwrap();
    let target = TestDatabase::create();

    assert!(migrate(&sqlite.db_path(), &target.url).status.success());

    let postgres = spawn_instance(&target.url, secret.trim(), &[]).await;
    let verify = postgres.client.get(postgres.url("/auth/verify"));
    let verify = verify.header("Cookie", format!("latchkey_portal={cookie}"));
    let verified = verify.send().await.unwrap();
    assert_eq!(verified.status(), 200);
    assert_eq!(verified.headers()["x-auth-user"], "alice");
    let token = postgres
        .login_ok("alice", "alice-password")
        .await
        .access_token;
    let listed: Vec<Value> = postgres
        .get_with_token("/user/sessions", &token)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = listed.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "portal").count(),
        1,
        "{kinds:?}"
    );
}
