//! The operator's side of PostgreSQL: `check-config` connects and reports the schema, `backup`
//! points to pg_dump, and `serve` refuses to start without a secret every instance can share.

use crate::operator::{run_cli, run_cli_with};
use crate::postgres::TestDatabase;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn check_config_on_postgres_connects_and_reports_the_schema_users_and_a_foreign_secret() {
    let database = TestDatabase::create();
    let secret = crate::backend::random_secret();
    let before = run_cli_with(&database.url, Some(&secret), &["check-config"], "");
    let text = String::from_utf8_lossy(&before.stdout).into_owned();
    assert!(before.status.success(), "{}", stderr(&before));
    assert!(
        text.contains("PostgreSQL schema version 0; 0 user(s)"),
        "{text}"
    );
    assert!(
        text.contains("the first instance to start will create"),
        "{text}"
    );
    assert!(
        !text.contains("postgres@"),
        "the URL's user part is not shown: {text}"
    );

    let serving = crate::postgres::spawn_instance(&database.url, &secret, &[]).await;
    let added = run_cli(
        &database.url,
        &["user", "add", "alice", "--password-stdin"],
        "alice-password-1\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let after = run_cli_with(&database.url, Some(&secret), &["check-config"], "");
    let text = String::from_utf8_lossy(&after.stdout).into_owned();
    drop(serving);
    let version = latchkey::store::postgres::SCHEMA_VERSION;
    assert!(
        text.contains(&format!("PostgreSQL schema version {version}; 2 user(s)")),
        "{text}"
    );
    let other = crate::backend::random_secret();
    let foreign = run_cli_with(&database.url, Some(&other), &["check-config"], "");
    assert_eq!(foreign.status.code(), Some(1), "{}", stderr(&foreign));
    assert!(stderr(&foreign).contains("another signing secret"));
}

#[test]
fn backup_of_a_postgres_database_exits_2_pointing_to_pg_dump() {
    let database = TestDatabase::create();
    let target = tempfile::tempdir().unwrap();
    let path = target.path().join("copy.db");

    let output = run_cli(&database.url, &["backup", path.to_str().unwrap()], "");

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("pg_dump"), "{}", stderr(&output));
    assert!(!path.exists(), "nothing is written");
}

#[test]
fn serve_on_postgres_without_a_shared_secret_exits_2_and_creates_no_secret_file() {
    let database = TestDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("latchkey.secret");

    let no_secret = run_cli(&database.url, &["serve", "--bind", "127.0.0.1:0"], "");
    let named_missing = run_cli(
        &database.url,
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--secret-file",
            missing.to_str().unwrap(),
        ],
        "",
    );

    assert_eq!(no_secret.status.code(), Some(2), "{}", stderr(&no_secret));
    assert!(stderr(&no_secret).contains("LATCHKEY_SECRET or --secret-file"));
    assert_eq!(
        named_missing.status.code(),
        Some(2),
        "{}",
        stderr(&named_missing)
    );
    assert!(stderr(&named_missing).contains("does not exist"));
    assert!(!missing.exists(), "a missing secret file is never created");
}
