//! Durability: `kill -9` under load loses nothing acknowledged; after a restart on the same file
//! every session refreshes with the last cookie it got.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::helpers::set_cookie;
use crate::process::{integrity_check, refresh, seed_users, ServerProcess};

const PASSWORD: &str = "crash-test-password";
const CLIENTS: usize = 6;

/// One client: logs in, refreshes a few times, logs in again, … until the
/// server dies. Returns the last cookie each of its sessions got with a 200.
async fn client_until_killed(
    base: String,
    username: String,
    refreshes: Arc<AtomicUsize>,
) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    'sessions: loop {
        let form = [("username", username.as_str()), ("password", PASSWORD)];
        let Ok(response) = client
            .post(format!("{base}/user/token"))
            .form(&form)
            .send()
            .await
        else {
            break;
        };
        if response.status() != 200 {
            assert_eq!(
                response.status(),
                503,
                "only a busy server may refuse a login"
            );
            continue;
        }
        let mut cookie = set_cookie(response.headers()).expect("a cookie").value;
        acknowledged.push(cookie.clone());
        for _ in 0..5 {
            let Ok(response) =
                refresh(&client, format!("{base}/user/refresh-token"), &cookie).await
            else {
                break 'sessions;
            };
            if response.status() != 200 {
                assert_eq!(
                    response.status(),
                    503,
                    "only a busy server may refuse a refresh"
                );
                continue;
            }
            let Some(next) = set_cookie(response.headers()) else {
                break 'sessions;
            };
            // A 200 whose body did not arrive was not really acknowledged.
            if response.bytes().await.is_err() {
                break 'sessions;
            }
            cookie = next.value;
            *acknowledged.last_mut().unwrap() = cookie.clone();
            refreshes.fetch_add(1, Ordering::Relaxed);
        }
    }
    acknowledged
}

#[tokio::test]
async fn after_kill_9_mid_load_every_acknowledged_session_still_refreshes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let usernames: Vec<String> = (0..CLIENTS).map(|i| format!("client{i}")).collect();
    seed_users(&db, &usernames, PASSWORD);
    // A refresh the server committed but whose answer the kill swallowed is
    // a replay on restart: the grace must outlast the restart.
    let flags = ["--reuse-grace", "1m"];
    let server = ServerProcess::start(&db, &flags).await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let mut clients = JoinSet::new();
    for username in usernames {
        clients.spawn(client_until_killed(
            server.url(""),
            username,
            refreshes.clone(),
        ));
    }

    let started = Instant::now();
    while refreshes.load(Ordering::Relaxed) < 200 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill_hard();
    let sessions: Vec<String> = clients.join_all().await.into_iter().flatten().collect();

    assert!(
        refreshes.load(Ordering::Relaxed) >= 50,
        "the kill came under load"
    );
    assert_eq!(integrity_check(&db), "ok");
    let server = ServerProcess::start(&db, &flags).await;
    assert_eq!(integrity_check(&db), "ok");
    let client = reqwest::Client::new();
    for cookie in &sessions {
        let response = refresh(&client, server.url("/user/refresh-token"), cookie)
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
    }
    assert!(
        sessions.len() >= CLIENTS,
        "{} sessions checked",
        sessions.len()
    );
}
