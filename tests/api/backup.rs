//! `latchkey backup` copies the database while the server runs (the copy opens, is whole and has
//! the same users) and never overwrites by accident; `latchkey check-config` validates settings,
//! key and database with exit codes 0, 2 and 1.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::helpers::*;

fn latchkey(db: &Path, args: &[&str]) -> Output {
    run_cli(db, args, "")
}

fn usernames(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT username FROM users ORDER BY username")
        .unwrap();
    let names = stmt.query_map([], |row| row.get(0)).unwrap();
    names.collect::<Result<_, _>>().unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_works_opens_with_the_same_users() {
    let app = spawn_sqlite_app().await;
    for name in ["alice", "bob"] {
        app.add_user(name, &format!("{name}-password"), false);
    }
    let login = app.login_ok("alice", "alice-password").await;
    let busy = tokio::spawn({
        let (client, url) = (app.client.clone(), app.url("/user/refresh-token"));
        async move {
            let mut cookie = login.cookie;
            for _ in 0..100 {
                let response = client
                    .post(&url)
                    .header("Cookie", format!("refresh_token={cookie}"));
                cookie = login_from(response.send().await.unwrap()).await.cookie;
            }
        }
    });
    let copy = app.dir.path().join("copy.db");

    let (db, target) = (app.db_path(), copy.clone());
    let backup = move || latchkey(&db, &["backup", target.to_str().unwrap()]);
    let output = tokio::task::spawn_blocking(backup).await.unwrap();
    busy.await.unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(integrity(&copy), "ok");
    assert_eq!(usernames(&copy), ["admin", "alice", "bob"]);
    assert_eq!(usernames(&copy), usernames(&app.db_path()));
    let mode: String = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "one self-contained file");
    let permissions = std::fs::metadata(&copy).unwrap().permissions();
    assert_eq!(permissions.mode() & 0o777, 0o600, "password hashes inside");
}

#[tokio::test]
async fn a_backup_never_replaces_a_file_unless_forced() {
    let app = spawn_sqlite_app().await;
    let copy = app.dir.path().join("copy.db");
    std::fs::write(&copy, "precious").unwrap();

    let refused = latchkey(&app.db_path(), &["backup", copy.to_str().unwrap()]);
    let kept = std::fs::read_to_string(&copy).unwrap();
    let forced = latchkey(
        &app.db_path(),
        &["backup", "--force", copy.to_str().unwrap()],
    );

    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(kept, "precious");
    assert!(forced.status.success());
    assert_eq!(usernames(&copy), ["admin"]);
    let leftovers = std::fs::read_dir(app.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".partial")
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[tokio::test]
async fn check_config_exits_0_with_a_summary_for_good_settings() {
    let app = spawn_sqlite_app().await;

    let output = latchkey(
        &app.db_path(),
        &["check-config", "--metrics-bind", "127.0.0.1:9464"],
    );

    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("settings: ok"), "{text}");
    assert!(text.contains("http://127.0.0.1:9464/metrics"), "{text}");
    let version = latchkey::store::maintenance::KNOWN_SCHEMA_VERSION;
    assert!(
        text.contains(&format!("schema version {version}")),
        "{text}"
    );
    assert!(text.contains("1 user(s), 1 enabled admin(s)"), "{text}");
}

#[test]
fn check_config_exits_2_for_a_bad_setting_before_opening_anything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");

    for bad in [
        &["check-config", "--access-ttl", "0s"][..],
        &["check-config", "--metrics-bind", "nowhere"],
        &["check-config", "--audit-retention", "soon"],
        &["--log-format", "xml", "check-config"],
    ] {
        let output = latchkey(&db, bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    }
    assert!(!db.exists(), "nothing was created");
}

#[test]
fn check_config_exits_1_for_a_bad_database_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_db = dir.path().join("notes.db");
    std::fs::write(&not_a_db, "this is not a database, just text long enough").unwrap();
    let good = dir.path().join("good").join("latchkey.db");
    std::fs::create_dir(good.parent().unwrap()).unwrap();
    let key = good.with_file_name("latchkey.secret");
    std::fs::write(&key, "not hex\n").unwrap();
    // Private, so the check reaches its content (a readable one is exit 2).
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    let bad_db = latchkey(&not_a_db, &["check-config"]);
    let bad_key = latchkey(&good, &["check-config"]);
    let no_dir = latchkey(&dir.path().join("missing/latchkey.db"), &["check-config"]);

    for (output, why) in [
        (bad_db, "database"),
        (bad_key, "secret"),
        (no_dir, "missing"),
    ] {
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(output.status.code(), Some(1), "{why}: {stderr}");
        assert!(
            stderr.contains(why) || stderr.contains("directory"),
            "{why}: {stderr}"
        );
    }
    assert!(!good.exists(), "check-config creates no database");
}

#[test]
fn check_config_on_a_fresh_directory_says_what_the_first_start_creates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");

    let output = latchkey(&db, &["check-config"]);

    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("will be created on first start"), "{text}");
    assert!(text.contains("will be generated on first start"), "{text}");
    assert!(!db.exists() && !dir.path().join("latchkey.secret").exists());
}
