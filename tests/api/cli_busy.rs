//! The CLI beside a busy server: every command gets the lock in time, and every change reaches the
//! running server at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::helpers::*;

/// Clients that each follow their own cookie chain, refreshing as fast as they can.
const LOAD_CLIENTS: usize = 4;
/// Lanes of CLI invocations running side by side, each on its own user.
const LANES: usize = 4;
/// One round per lane: two reads, disable, enable, revoke-all.
const ROUNDS: usize = 10;
const PER_ROUND: usize = 5;

/// Refreshes one session over and over until told to stop; counts refreshes.
async fn refresh_load(app: Arc<TestApp>, name: String, stop: Arc<AtomicBool>) -> usize {
    let mut cookie = app.login_ok(&name, "load-password").await.cookie;
    let mut done = 0;
    while !stop.load(Ordering::Relaxed) {
        let response = app.refresh(&cookie).await;
        if response.status() == 200 {
            cookie = login_from(response).await.cookie;
            done += 1;
        }
    }
    done
}

/// Runs one CLI command; a failure is counted (with its message), not fatal,
/// so a run reports how many of the 200 failed.
async fn cli(app: &TestApp, args: &[&str], failures: &AtomicUsize) -> bool {
    let database = app.database.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        database.cli(&args, "")
    })
    .await
    .unwrap();
    if !output.status.success() {
        failures.fetch_add(1, Ordering::Relaxed);
        eprintln!("CLI failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// Each round proves the writes took effect on the running server: the token
/// of the disabled user is refused on its next request, the re-enabled user
/// logs in, and the revoked session cannot refresh.
async fn lane(app: Arc<TestApp>, name: String, failures: Arc<AtomicUsize>) {
    for _ in 0..ROUNDS {
        cli(&app, &["user", "list"], &failures).await;
        cli(&app, &["sessions", "list", &name], &failures).await;
        // A failed enable last round leaves the user disabled: no session then.
        let mut session = live_session(&app, &name).await;
        if cli(&app, &["user", "disable", &name], &failures).await {
            if let Some(before) = &session {
                assert_eq!(app.me(&before.access_token).await.status(), 401);
            }
        }
        if cli(&app, &["user", "enable", &name], &failures).await {
            session = Some(app.login_ok(&name, "lane-password").await);
        }
        if cli(&app, &["sessions", "revoke-all", &name], &failures).await {
            if let Some(revoked) = &session {
                assert_eq!(app.refresh(&revoked.cookie).await.status(), 401);
            }
        }
    }
}

async fn live_session(app: &TestApp, name: &str) -> Option<Login> {
    let response = app.login(name, "lane-password").await;
    match response.status().as_u16() {
        200 => Some(login_from(response).await),
        _ => None,
    }
}

#[tokio::test]
async fn two_hundred_cli_commands_beside_a_refresh_flood_all_succeed_and_take_effect_at_once() {
    let app = Arc::new(spawn_app().await);
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for i in 0..LOAD_CLIENTS {
        let name = format!("load{i}");
        app.add_user(&name, "load-password", false);
        load.push(tokio::spawn(refresh_load(app.clone(), name, stop.clone())));
    }
    let lanes: Vec<_> = (0..LANES)
        .map(|i| {
            let name = format!("lane{i}");
            app.add_user(&name, "lane-password", false);
            tokio::spawn(lane(app.clone(), name, failures.clone()))
        })
        .collect();

    for lane in lanes {
        lane.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let mut refreshes = 0;
    for client in load {
        refreshes += client.await.unwrap();
    }

    assert_eq!(LANES * ROUNDS * PER_ROUND, 200);
    assert_eq!(failures.load(Ordering::Relaxed), 0, "of 200 CLI runs");
    assert!(refreshes > 100, "the load ran: {refreshes} refreshes");
}

/// Another process holds the write lock past the CLI's 5 s wait.
#[tokio::test]
async fn a_cli_change_that_cannot_get_the_lock_in_time_says_so_in_one_line_and_changes_nothing() {
    let app = spawn_sqlite_app().await;
    app.add_user("bob", "bob-password", false);
    let holder = app.db();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let db = app.db_path();

    let output = tokio::task::spawn_blocking(move || run_cli(&db, &["user", "disable", "bob"], ""))
        .await
        .unwrap();
    holder.execute_batch("ROLLBACK").unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("database busy"), "{stderr}");
    let bob = app.user("bob").unwrap();
    assert!(!bob.disabled, "nothing was changed");
}
