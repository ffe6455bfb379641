//! A login flood: hashing is bounded (the rest wait briefly or get 503 `busy`), `/user/me` and
//! refresh keep answering, memory stays bounded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::helpers::{login_from, Login};
use crate::process::{refresh, seed_users, ServerProcess};

const PASSWORD: &str = "flood-test-password";
/// Far more than any machine has hashing slots (one per CPU).
const LOGINS: usize = 120;
/// What one argon2id hash (m = 19456 KiB) allocates.
const HASH_KIB: u64 = 19_456;

/// The status of one flood login; a refusal must be a proper 503 `busy`.
async fn flood_login(client: reqwest::Client, url: String) -> u16 {
    let form = [("username", "flooder"), ("password", PASSWORD)];
    let response = client.post(url).form(&form).send().await.unwrap();
    let status = response.status().as_u16();
    if status == 503 {
        assert_eq!(response.headers()["retry-after"], "1");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "busy");
    }
    status
}

/// Calls `/user/me` (and refreshes now and then) until told to stop;
/// returns each `/user/me` latency.
async fn watch(server_url: String, login: Login, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut cookie = login.cookie;
    let mut latencies = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let response = client
            .get(format!("{server_url}/user/me"))
            .bearer_auth(&login.access_token)
            .send()
            .await
            .unwrap();
        latencies.push(started.elapsed());
        assert_eq!(response.status(), 200, "/user/me during the flood");
        if latencies.len() % 10 == 0 {
            let url = format!("{server_url}/user/refresh-token");
            let response = refresh(&client, url, &cookie).await.unwrap();
            assert_eq!(response.status(), 200, "refresh during the flood");
            cookie = login_from(response).await.cookie;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    latencies
}

#[tokio::test]
async fn during_a_login_flood_user_me_answers_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    seed_users(&db, &["flooder".into(), "watcher".into()], PASSWORD);
    // Attempts in flight hold throttle slots: limits above the flood keep
    // every login hashing, which is what this test measures.
    let limits = ["--login-max-failures", "100000"];
    let per_address = ["--login-max-failures-per-address", "100000"];
    let server = ServerProcess::start(&db, &[limits, per_address].concat()).await;
    let client = reqwest::Client::new();
    let form = [("username", "watcher"), ("password", PASSWORD)];
    let response = client
        .post(server.url("/user/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch(
        server.url(""),
        login_from(response).await,
        stop.clone(),
    ));

    let mut flood = JoinSet::new();
    for _ in 0..LOGINS {
        flood.spawn(flood_login(
            reqwest::Client::new(),
            server.url("/user/token"),
        ));
    }
    let statuses = flood.join_all().await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = watcher.await.expect("every /user/me and refresh succeeded");

    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    eprintln!(
        "flood: {} logins ({} busy); /user/me x{}: p50 {:?}, p95 {:?}, max {:?}; peak RSS {} KiB",
        LOGINS,
        statuses.iter().filter(|s| **s == 503).count(),
        latencies.len(),
        at(0.5),
        at(0.95),
        at(1.0),
        server.peak_rss_kib()
    );
    assert!(latencies.len() >= 5, "/user/me was called during the flood");
    // Unbounded, LOGINS hashes at once would need LOGINS x 19 MiB.
    let slots = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let bound = 64 * 1024 + 2 * slots * HASH_KIB;
    assert!(
        server.peak_rss_kib() < bound,
        "peak RSS {} KiB, bound {bound} KiB",
        server.peak_rss_kib()
    );
}
