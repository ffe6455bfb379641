use std::process::{Command, Output};

use crate::helpers::*;

/// Runs `latchkey --db <app's db> ARGS`, feeding `stdin`.
fn latchkey(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    app.cli(args, stdin)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_user_added_while_the_server_runs_can_log_in_at_once() {
    let app = spawn_app().await;

    let added = latchkey(
        &app,
        &[
            "user",
            "add",
            "bob",
            "--email",
            "bob@example.com",
            "--password-stdin",
        ],
        "bob-password\n",
    );

    assert!(added.status.success(), "{}", stderr(&added));
    let login = app.login_ok("bob", "bob-password").await;
    let me: serde_json::Value = app.me(&login.access_token).await.json().await.unwrap();
    assert_eq!(me["email"], "bob@example.com");
    assert_eq!(me["admin"], false);
}

#[tokio::test]
async fn bad_input_to_user_add_fails_with_a_clear_message() {
    let app = spawn_app().await;

    let duplicate = latchkey(
        &app,
        &["user", "add", "ADMIN", "--password-stdin"],
        "long-enough-1\n",
    );
    let empty = latchkey(&app, &["user", "add", "carol", "--password-stdin"], "\n");
    let bad_name = latchkey(
        &app,
        &["user", "add", "no spaces", "--password-stdin"],
        "long-enough-1\n",
    );
    let no_password = latchkey(&app, &["user", "add", "dave"], "");

    assert!(
        stderr(&duplicate).contains("already exists"),
        "{}",
        stderr(&duplicate)
    );
    assert!(stderr(&empty).contains("at least 8"), "{}", stderr(&empty));
    assert!(
        stderr(&bad_name).contains("username"),
        "{}",
        stderr(&bad_name)
    );
    assert!(
        stderr(&no_password).contains("--password-stdin"),
        "{}",
        stderr(&no_password)
    );
    for output in [duplicate, empty, bad_name, no_password] {
        assert_eq!(output.status.code(), Some(1));
    }
}

#[tokio::test]
async fn an_imported_bcrypt_hash_logs_in() {
    let app = spawn_app().await;
    let seed = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";

    let added = latchkey(
        &app,
        &["user", "add", "johndoe", "--password-hash", seed],
        "",
    );

    assert!(added.status.success(), "{}", stderr(&added));
    app.login_ok("johndoe", "secret").await;
    let bogus = latchkey(
        &app,
        &["user", "add", "eve", "--password-hash", "$md5$nope"],
        "",
    );
    assert!(!bogus.status.success());
}

#[tokio::test]
async fn disabling_a_user_refuses_its_tokens_at_once_and_enabling_lets_it_log_in_again() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    assert!(latchkey(&app, &["user", "disable", "alice"], "")
        .status
        .success());
    assert_eq!(app.me(&login.access_token).await.status(), 401);
    assert_eq!(
        error_of(app.refresh(&login.cookie).await).await.1,
        "user_disabled"
    );
    assert_eq!(app.login("alice", "alice-password").await.status(), 401);

    assert!(latchkey(&app, &["user", "enable", "alice"], "")
        .status
        .success());
    app.login_ok("alice", "alice-password").await;
}

#[tokio::test]
async fn passwd_replaces_the_password_and_ends_the_sessions() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let changed = latchkey(
        &app,
        &["user", "passwd", "alice", "--password-stdin"],
        "new-password-2\n",
    );

    assert!(changed.status.success(), "{}", stderr(&changed));
    assert_eq!(app.login("alice", "alice-password").await.status(), 401);
    app.login_ok("alice", "new-password-2").await;
    assert_eq!(app.refresh(&login.cookie).await.status(), 401);
}

#[tokio::test]
async fn delete_removes_the_user_and_its_sessions() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    assert!(latchkey(&app, &["user", "delete", "alice"], "")
        .status
        .success());

    assert_eq!(
        error_of(app.refresh(&login.cookie).await).await.1,
        "not_found"
    );
    let unknown = latchkey(&app, &["user", "delete", "alice"], "");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("no user named alice"));
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_deleted_or_disabled() {
    let app = spawn_app().await;

    let deleted = latchkey(&app, &["user", "delete", "admin"], "");
    let disabled = latchkey(&app, &["user", "disable", "admin"], "");

    assert!(!deleted.status.success() && !disabled.status.success());
    assert!(stderr(&deleted).contains("last enabled admin"));
    app.login_ok("admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn user_list_shows_every_user() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let listed = stdout(&latchkey(&app, &["user", "list"], ""));

    assert!(listed
        .lines()
        .any(|l| l.starts_with("admin") && l.contains("yes")));
    assert!(listed
        .lines()
        .any(|l| l.starts_with("alice") && l.contains("alice@example.com")));
}

#[tokio::test]
async fn revoke_all_ends_every_session_of_the_user() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let phone = app.login_ok("alice", "alice-password").await;
    let laptop = app.login_ok("alice", "alice-password").await;

    let revoked = latchkey(&app, &["sessions", "revoke-all", "alice"], "");

    assert!(
        stdout(&revoked).contains("ended 2 session(s)"),
        "{}",
        stdout(&revoked)
    );
    for login in [phone, laptop] {
        assert_eq!(
            error_of(app.refresh(&login.cookie).await).await.1,
            "revoked"
        );
        assert_eq!(app.me(&login.access_token).await.status(), 401);
    }
}

#[test]
fn a_bad_setting_is_a_one_line_error_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-created.db");
    for (flag, env) in [
        (Some("--access-ttl=5x"), None),
        (None, Some(("LATCHKEY_COOKIE_SAMESITE", "none"))),
        (Some("--bind=nowhere"), None),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
        command.arg("--db").arg(&db).arg("serve").args(flag);
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag:?} {env:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(
            !db.exists(),
            "nothing is opened before the settings are valid"
        );
    }
}

#[test]
fn a_short_inline_secret_is_refused_before_anything_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-created.db");
    let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--db")
        .arg(&db)
        .arg("serve")
        .env("LATCHKEY_SECRET", "abcd")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 32"));
    assert!(!db.exists());
}
