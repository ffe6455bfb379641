//! The access rules from the command line and the process: `latchkey access check` names the
//! deciding rule and exits by the decision, `check-config` and `serve` refuse a bad file naming its
//! line, and `SIGHUP` reloads the file, keeping the rules in force when the new file is bad.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::access_rules::TEAM;
use crate::helpers::*;
use crate::process::{seed_users, ServerProcess};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn rules_file(dir: &Path, text: &str) -> String {
    let file = dir.join("rules.toml");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

#[tokio::test]
async fn access_check_prints_the_deciding_rule_and_exits_by_the_decision() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    app.cli(&["user", "groups", "bob", "--add", "ops"], "");
    let dir = tempfile::tempdir().unwrap();
    let file = rules_file(dir.path(), TEAM);
    let check = |args: &[&str]| {
        let mut all = vec!["access", "check"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--access-rules", &file]);
        app.cli(&all, "")
    };

    for (args, code, line) in [
        (
            &[
                "https://grafana.example.com/d/1",
                "--user",
                "bob",
                "--second-factor",
            ][..],
            0,
            "rule 2 (grafana.example.com): two_factor → allow",
        ),
        (
            &["https://grafana.example.com/d/1", "--user", "bob"][..],
            1,
            "rule 2 (grafana.example.com): two_factor → deny (a second factor is required)",
        ),
        (
            &["https://status.example.com/public/x"][..],
            0,
            "rule 1 (status.example.com): bypass → allow",
        ),
        (
            &["https://status.example.com/public/x", "--method", "POST"][..],
            1,
            "default: deny → deny",
        ),
        (
            &["https://a.internal.example.com/"][..],
            1,
            "rule 3 (*.internal.example.com): one_factor → sign in first",
        ),
    ] {
        let output = check(args);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output).trim_end(), line, "{args:?}");
    }
    for args in [
        &["not a url"][..],
        &["https://a.example.com/", "--user", "nobody"][..],
    ] {
        assert_eq!(check(args).status.code(), Some(2), "{args:?}");
    }
    let unset = app.cli(&["access", "check", "https://a.example.com/"], "");
    assert_eq!(unset.status.code(), Some(2));
    assert!(
        stderr(&unset).contains("--access-rules"),
        "{}",
        stderr(&unset)
    );
}

#[tokio::test]
async fn check_config_and_access_check_refuse_a_bad_file_in_one_line_naming_it() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let good = rules_file(dir.path(), TEAM);
    let checked = app.cli(&["check-config", "--access-rules", &good], "");
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains("access rules: 3 rules from"),
        "{}",
        stdout(&checked)
    );

    let bad = rules_file(
        dir.path(),
        "[[rules]]\nhosts = [\"a.example.com\"]\npolicy = \"alow\"\n",
    );
    for args in [
        &["check-config", "--access-rules", &bad][..],
        &[
            "access",
            "check",
            "https://a.example.com/",
            "--access-rules",
            &bad,
        ][..],
    ] {
        let output = app.cli(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let error = stderr(&output);
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            error.contains("rules.toml:3:") && error.contains("alow"),
            "{error}"
        );
    }
}

async fn anonymous_status(client: &reqwest::Client, server: &ServerProcess) -> u16 {
    client
        .get(server.url("/auth/verify"))
        .header("X-Original-URL", "https://status.example.com/")
        .header("X-Original-Method", "GET")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A process-level behaviour (signals), shown on SQLite.
#[tokio::test]
async fn sighup_reloads_the_rules_and_a_bad_reload_keeps_the_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    seed_users(&db, &["bob".to_string()], "bob-password");
    let file = rules_file(
        dir.path(),
        "[[rules]]\nhosts = [\"status.example.com\"]\npolicy = \"bypass\"\n",
    );
    let mut server = ServerProcess::start(&db, &["--access-rules", &file]).await;
    let client = reqwest::Client::new();
    assert_eq!(anonymous_status(&client, &server).await, 200);

    rules_file(
        dir.path(),
        "[[rules]]\nhosts = [\"status.example.com\"]\npolicy = \"deny\"\n",
    );
    server.signal("HUP");
    let started = Instant::now();
    while anonymous_status(&client, &server).await != 403 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never reloaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rules_file(
        dir.path(),
        "[[rules]]\nhosts = [\"status.example.com\"]\npolicy = \"bypass\"\ncolour = 1\n",
    );
    server.signal("HUP");
    while !server
        .log()
        .contains("rules.toml:4: unknown field `colour`")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        anonymous_status(&client, &server).await,
        403,
        "the old rules stay"
    );
    assert!(server.is_running());
}

#[test]
fn serve_with_a_bad_rules_file_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = rules_file(
        dir.path(),
        "[[rules]]\nsubjects = [\"group:Ops\"]\npolicy = \"one_factor\"\n",
    );
    let output = crate::operator::run_cli(
        dir.path().join("latchkey.db"),
        &["serve", "--bind", "127.0.0.1:0", "--access-rules", &file],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("rules.toml:2:") && error.contains("Ops"),
        "{error}"
    );
}
