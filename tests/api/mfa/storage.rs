//! The second factor at rest: no secret or recovery code in clear anywhere in the database files,
//! an audit trail of what happened, and a version-8 file upgraded in place.

use std::time::{Duration, Instant};

use latchkey::store::AuditQuery;
use serde_json::Value;

use super::{code_at, enrolled, post_json};
use crate::helpers::*;

/// Every byte of the database and its WAL.
fn database_bytes(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", app.db_path().display());
        bytes.extend(std::fs::read(path).unwrap_or_default());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn the_secret_and_the_recovery_codes_appear_nowhere_in_the_database_files_in_clear() {
    let app = spawn_sqlite_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    // A pending secret too, beside the confirmed one (whose code allows it).
    let code = code_at(&alice.secret, alice.step + 1);
    let pending: Value = post_json(
        &app,
        "/user/mfa/totp",
        &alice.login.access_token,
        serde_json::json!({"current_password": "alice-password", "code": code}),
    )
    .await
    .json()
    .await
    .unwrap();

    let bytes = database_bytes(&app);

    let raw = totp_rs::Secret::try_from_base32(&alice.secret).unwrap();
    assert!(bytes.len() > 4096);
    for secret in [alice.secret.as_str(), pending["secret"].as_str().unwrap()] {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "base32 secret in clear"
        );
        let raw = totp_rs::Secret::try_from_base32(secret).unwrap();
        assert!(!contains(&bytes, raw.as_bytes()), "raw secret in clear");
    }
    assert!(!contains(&bytes, raw.as_bytes()));
    for code in &alice.recovery_codes {
        assert!(!contains(&bytes, code.as_bytes()), "recovery code in clear");
        assert!(
            !contains(&bytes, code.replace('-', "").as_bytes()),
            "recovery code in clear"
        );
    }
}

#[tokio::test]
async fn the_audit_trail_records_enrolment_confirmation_recovery_use_wrong_codes_and_removal() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let login = |otp: String| {
        app.client
            .post(app.url("/user/token"))
            .form(&[
                ("username", "alice".to_string()),
                ("password", "alice-password".into()),
                ("otp", otp),
            ])
            .send()
    };
    assert_eq!(login("000000".into()).await.unwrap().status(), 401);
    assert_eq!(
        login(alice.recovery_codes[0].clone())
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(app.login("alice", "alice-password").await.status(), 401);
    let reset = app
        .client
        .delete(app.url("/admin/users/alice/mfa"))
        .bearer_auth(&admin.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);

    let expected = [
        ("mfa_enrolled", None),
        ("mfa_confirmed", None),
        ("mfa_code_failed", None),
        ("mfa_recovery_code_used", None),
        ("login_code_required", None),
        ("mfa_removed", Some("admin")),
    ];
    let started = Instant::now();
    loop {
        let alice = AuditQuery {
            username: Some("alice".into()),
            oldest_first: true,
            ..AuditQuery::default()
        };
        let (records, _) = app.with_store(|store| store.query_audit(&alice)).unwrap();
        let events: Vec<(String, Option<String>)> = records
            .into_iter()
            .map(|r| (r.event.event, r.event.actor))
            .collect();
        let all_there = expected.iter().all(|(event, actor)| {
            events
                .iter()
                .any(|(e, a)| e == event && (actor.is_none() || a.as_deref() == *actor))
        });
        if all_there {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{events:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_version_8_database_upgrades_and_its_sessions_stay_password_only() {
    let app = spawn_sqlite_app().await;
    app.add_user("alice", "alice-password", false);
    let before = app.login_ok("alice", "alice-password").await;
    app.db()
        .execute_batch(
            "DROP TABLE user_mfa; DROP TABLE mfa_recovery_codes; DROP TABLE mfa_tokens;
             ALTER TABLE sessions DROP COLUMN mfa; PRAGMA user_version = 8;",
        )
        .unwrap();

    latchkey::store::SqliteStore::open(&app.db_path(), 1).expect("the upgrade runs");

    let version: i64 = app
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, latchkey::store::maintenance::KNOWN_SCHEMA_VERSION);
    let refreshed = app.refresh_ok(&before.cookie).await;
    assert_eq!(
        claims(&refreshed.access_token)["amr"],
        serde_json::json!(["pwd"])
    );
    let tables: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('user_mfa', 'mfa_recovery_codes', 'mfa_tokens')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 3);
}

#[tokio::test]
async fn the_secret_recovery_codes_and_mfa_token_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = crate::logs::LoggedServer::start(dir.path(), &[]).await;
    let client = &server.client;
    let login = |fields: Vec<(&'static str, String)>| {
        client.post(server.url("/user/token")).form(&fields).send()
    };
    let admin = [
        ("username", "admin".to_string()),
        ("password", ADMIN_PASSWORD.into()),
    ];
    let signed_in = login_from(login(admin.to_vec()).await.unwrap()).await;
    let call = |path: &str, body: Value| {
        client
            .post(server.url(path))
            .bearer_auth(&signed_in.access_token)
            .json(&body)
            .send()
    };
    let pending: Value = call(
        "/user/mfa/totp",
        serde_json::json!({"current_password": ADMIN_PASSWORD}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let secret = pending["secret"].as_str().unwrap().to_string();
    let code = super::code_at(&secret, super::now_step());
    let confirmed: Value = call("/user/mfa/totp/confirm", serde_json::json!({"code": code}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let recovery: Vec<String> =
        serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
    let asked: Value = login(admin.to_vec()).await.unwrap().json().await.unwrap();
    let mfa_token = asked["mfa_token"].as_str().unwrap().to_string();
    let step = |code: &str| {
        client
            .post(server.url("/user/token/mfa"))
            .json(&serde_json::json!({"mfa_token": mfa_token, "code": code}))
            .send()
    };
    assert_eq!(step("000000").await.unwrap().status(), 401);
    assert_eq!(step(&recovery[0]).await.unwrap().status(), 200);

    let log = server.stop();

    assert!(
        log.contains("/user/token/mfa"),
        "the requests were logged:\n{log}"
    );
    for secret in [
        secret.as_str(),
        mfa_token.as_str(),
        recovery[0].as_str(),
        recovery[1].as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}
