use std::process::Output;

use crate::bearer::*;
use crate::helpers::*;

/// Runs `latchkey --db <app's db> ARGS` beside the running server.
fn latchkey(app: &TestApp, args: &[&str]) -> Output {
    app.cli(args, "")
}

#[tokio::test]
async fn sessions_list_prints_each_live_session_of_the_user() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let (laptop, _) = login_as(&app, "alice", "alice-password", "laptop-browser/1.0").await;
    let (phone, phone_cookie) =
        login_as(&app, "alice", "alice-password", "phone-browser/2.0").await;
    let (ended, ended_cookie) = login_as(&app, "alice", "alice-password", "old-browser/0.1").await;
    let (bobs, _) = login_as(&app, "bob", "bob-password", "bob-browser/3.0").await;
    app.refresh_ok(&phone_cookie).await;
    assert_eq!(app.logout(&ended_cookie).await.status(), 204);

    let output = latchkey(&app, &["sessions", "list", "alice"]);

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header and one line per live session:\n{text}"
    );
    assert!(lines[0].starts_with("ID") && lines[0].contains("USER AGENT"));
    for (token, agent) in [
        (&laptop, "laptop-browser/1.0"),
        (&phone, "phone-browser/2.0"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&sid_of(token)))
            .expect("session listed");
        assert!(line.contains(agent) && line.contains("127.0.0.1"), "{line}");
        assert!(line.contains('Z'), "RFC 3339 UTC times: {line}");
    }
    assert!(
        !text.contains(&sid_of(&ended)),
        "an ended session is not listed"
    );
    assert!(!text.contains(&sid_of(&bobs)) && !text.contains("bob-browser"));
}

#[tokio::test]
async fn sessions_list_of_an_unknown_user_fails_with_a_reason() {
    let app = spawn_app().await;

    let output = latchkey(&app, &["sessions", "list", "ghost"]);

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no user named ghost"), "{stderr}");
}

#[tokio::test]
async fn sessions_list_of_a_user_without_sessions_prints_only_the_header() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let output = latchkey(&app, &["sessions", "list", "alice"]);

    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
}
