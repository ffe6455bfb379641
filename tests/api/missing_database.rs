//! No command but `serve` and `user add` makes a database out of a mistyped or forgotten path: the
//! others refuse a missing file in one line naming it, exit 2.

use std::process::{Command, Output};

use crate::helpers::*;

fn refusal(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn commands_other_than_serve_and_user_add_refuse_a_missing_database_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    let backup = dir.path().join("copy.db");
    let commands: [&[&str]; 6] = [
        &["user", "list"],
        &["user", "passwd", "admin", "--password-stdin"],
        &["user", "disable", "admin"],
        &["sessions", "prune"],
        &["audit"],
        &["backup", backup.to_str().unwrap()],
    ];
    for args in commands {
        let output = run_cli(&db, args, "some-password-1\n");
        let text = refusal(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
        assert!(text.contains(&db.display().to_string()), "{text}");
        assert!(
            text.contains("--db") && text.contains("LATCHKEY_DB"),
            "{text}"
        );
        assert!(!db.exists(), "{args:?} created the database");
    }
    assert!(!backup.exists());
}

#[test]
fn the_refusal_names_the_path_from_latchkey_db() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.db");
    let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(["user", "list"])
        .env("LATCHKEY_DB", &db)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(refusal(&output).contains(&db.display().to_string()));
    assert!(!db.exists());
}

#[test]
fn user_add_still_creates_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let output = run_cli(
        &db,
        &["user", "add", "carol", "--password-stdin"],
        "carol-password\n",
    );

    assert!(output.status.success(), "{}", refusal(&output));
    let listed = run_cli(&db, &["user", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("carol"));
}
