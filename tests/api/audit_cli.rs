//! The command line records what it changes in the audit trail (actor `cli`) and shows the trail
//! with `latchkey audit`.

use std::process::Output;

use crate::helpers::*;

fn latchkey(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let output = app.cli(args, stdin);
    assert!(
        output.status.success() || args[0] == "audit",
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test]
async fn user_and_session_commands_are_recorded_and_shown_by_latchkey_audit() {
    let app = spawn_app().await;

    latchkey(
        &app,
        &["user", "add", "bob", "--password-stdin"],
        "bob-password\n",
    );
    latchkey(&app, &["user", "disable", "bob"], "");
    latchkey(&app, &["user", "enable", "bob"], "");
    latchkey(
        &app,
        &["user", "passwd", "bob", "--password-stdin"],
        "bob-password-2\n",
    );
    latchkey(&app, &["sessions", "revoke-all", "bob"], "");
    latchkey(&app, &["user", "delete", "bob"], "");
    let shown = latchkey(&app, &["audit", "--user", "bob", "--since", "1h"], "");

    let text = String::from_utf8_lossy(&shown.stdout);
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let events: Vec<&str> = lines
        .iter()
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "user_created",
            "user_disabled",
            "user_enabled",
            "password_changed",
            "sessions_revoked",
            "user_deleted"
        ],
        "oldest first:\n{text}"
    );
    assert!(lines
        .iter()
        .all(|line| line.contains(" bob ") && line.contains(" cli ")));
    assert!(!text.contains("bob-password"), "no password in the trail");
}

#[tokio::test]
async fn latchkey_audit_filters_by_event_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    assert_eq!(app.login("bob", "wrong-password").await.status(), 401);
    app.login_ok("bob", "bob-password").await;

    let mut failed = String::new();
    for _ in 0..200 {
        let output = latchkey(&app, &["audit", "--event", "login_failed"], "");
        failed = String::from_utf8_lossy(&output.stdout).into_owned();
        if failed.lines().count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let unknown = latchkey(&app, &["audit", "--event", "nope"], "");

    assert_eq!(
        failed.lines().count(),
        2,
        "a header and one event:\n{failed}"
    );
    assert!(failed.contains("login_failed") && failed.contains("invalid_credentials"));
    assert_eq!(unknown.status.code(), Some(2));
}
