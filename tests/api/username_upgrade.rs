//! Names that are one under Unicode case folding: the CLI refuses a second one as the admin API
//! does, and a version 7 file holding two such users upgrades without locking either out, warns at
//! start, and lets the operator rename one.

use std::process::Output;

use latchkey::store::UserStore;
use serde_json::json;

use crate::helpers::*;
use crate::logs::LoggedServer;

const ELISE: &str = "\u{c9}lise";
const LOWER: &str = "\u{e9}lise";
const UPPER: &str = "\u{c9}LISE";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn the_cli_refuses_a_name_taken_in_another_case_and_finds_users_in_any_case() {
    let app = spawn_app().await;
    app.add_user(ELISE, "elise-password", false);

    let second = app.cli(
        &["user", "add", LOWER, "--password-stdin"],
        "other-password\n",
    );
    let disabled = app.cli(&["user", "disable", UPPER], "");

    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains(&format!("user {ELISE} already exists")),
        "{}",
        stderr(&second)
    );
    assert!(disabled.status.success(), "{}", stderr(&disabled));
    assert_eq!(
        app.login(ELISE, "elise-password").await.status(),
        401,
        "disabled"
    );
}

#[tokio::test]
async fn the_cli_refuses_control_and_format_characters_in_email_and_full_name() {
    let app = spawn_app().await;

    let email = app.cli(
        &[
            "user",
            "add",
            "bob",
            "--email",
            "bob\u{202e}@example.com",
            "--password-stdin",
        ],
        "bob-password\n",
    );
    let full_name = app.cli(
        &[
            "user",
            "add",
            "bob",
            "--full-name",
            "Bob\u{202e}moc.exe",
            "--password-stdin",
        ],
        "bob-password\n",
    );
    let zero_width = app.cli(
        &[
            "user",
            "add",
            "bob",
            "--full-name",
            "B\u{200b}ob",
            "--password-stdin",
        ],
        "bob-password\n",
    );

    for (output, field) in [
        (&email, "email"),
        (&full_name, "full_name"),
        (&zero_width, "full_name"),
    ] {
        let text = stderr(output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert_eq!(text.lines().count(), 1, "one line: {text}");
        assert!(
            text.contains(field) && text.contains("control or format"),
            "{text}"
        );
        assert!(
            !text.contains('\u{202e}'),
            "the value is not echoed: {text}"
        );
    }
    assert_eq!(
        app.login("bob", "bob-password").await.status(),
        401,
        "no user was made"
    );
}

/// A version 7 file (the schema of that version) with `Élise` (id 1) and
/// `élise` (id 2), each with its own password.
fn version_7_file_with_colliding_names(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join("latchkey.db")).unwrap();
    conn.execute_batch(include_str!("fixtures/schema_v7.sql"))
        .unwrap();
    for (id, name, password) in [(1, ELISE, "first-password"), (2, LOWER, "second-password")] {
        let hash = latchkey::auth::password::hash(
            &latchkey::domain::NewPassword::parse(password).unwrap(),
        )
        .unwrap();
        conn.execute(
            "INSERT INTO users (id, username, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, 0, 0)",
            rusqlite::params![id, name, hash],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn a_version_7_file_with_names_one_under_case_folding_upgrades_and_both_users_log_in() {
    let dir = tempfile::tempdir().unwrap();
    version_7_file_with_colliding_names(dir.path());

    let server = LoggedServer::start(dir.path(), &[]).await;
    let login = |name: &str, password: &str| {
        let form = [
            ("username", name.to_string()),
            ("password", password.to_string()),
        ];
        server
            .client
            .post(server.url("/user/token"))
            .form(&form)
            .send()
    };

    for (name, password) in [(ELISE, "first-password"), (LOWER, "second-password")] {
        let response = login(name, password).await.unwrap();
        assert_eq!(response.status(), 200, "{name} logs in by its exact name");
        let token = login_from(response).await.access_token;
        assert_eq!(claims(&token)["sub"], name);
    }
    assert_eq!(
        login(UPPER, "first-password").await.unwrap().status(),
        200,
        "the older holds the name"
    );
    assert_eq!(login(UPPER, "second-password").await.unwrap().status(), 401);
    let log = server.log();
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("same name as")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(
        warnings[0].contains("user 2 (") && warnings[0].contains("user 1 ("),
        "{log}"
    );
    assert!(warnings[0].contains("latchkey user rename"), "{log}");
    assert!(!log.contains("first-password") && !log.contains("second-password"));

    let admin = login("admin", ADMIN_PASSWORD).await.unwrap();
    let token = login_from(admin).await.access_token;
    let create = server
        .client
        .post(server.url("/admin/users"))
        .bearer_auth(&token)
        .json(&json!({"username": UPPER, "password": "third-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        create.status(),
        409,
        "a new spelling of the name is refused"
    );
}

#[tokio::test]
async fn renaming_a_kept_duplicate_settles_the_collision() {
    let dir = tempfile::tempdir().unwrap();
    version_7_file_with_colliding_names(dir.path());
    let db = dir.path().join("latchkey.db");
    let store = latchkey::store::SqliteStore::open(&db, 1).expect("upgrades");
    assert_eq!(store.name_collisions().unwrap().len(), 1);

    let renamed = run_cli(&db, &["user", "rename", LOWER, "elise-two"], "");
    let taken = run_cli(&db, &["user", "rename", "elise-two", UPPER], "");

    assert!(renamed.status.success(), "{}", stderr(&renamed));
    assert_eq!(taken.status.code(), Some(1), "{}", stderr(&taken));
    assert!(
        stderr(&taken).contains("already exists"),
        "{}",
        stderr(&taken)
    );
    assert!(store.name_collisions().unwrap().is_empty());
    let user = store
        .user_by_name("ELISE-TWO")
        .unwrap()
        .expect("found by its new name");
    assert_eq!((user.id, user.username.as_str()), (2, "elise-two"));
    let first = store
        .user_by_name(LOWER)
        .unwrap()
        .expect("the name is the first user's now");
    assert_eq!(first.id, 1);
}

#[tokio::test]
async fn a_renamed_user_keeps_its_session_under_the_new_name() {
    let app = spawn_app().await;
    app.add_user("carol", "carol-password", false);
    let login = app.login_ok("carol", "carol-password").await;

    let renamed = app.cli(&["user", "rename", "CAROL", "Caroline"], "");

    assert!(renamed.status.success(), "{}", stderr(&renamed));
    assert_eq!(
        app.me(&login.access_token).await.status(),
        401,
        "the token names carol"
    );
    let refreshed = app.refresh_ok(&login.cookie).await;
    assert_eq!(claims(&refreshed.access_token)["sub"], "Caroline");
    app.login_ok("caroline", "carol-password").await;
    assert_eq!(app.login("carol", "carol-password").await.status(), 401);
}
