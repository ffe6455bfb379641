//! `kill -9` of one instance under a refresh load: every rotation acknowledged with a 200, wherever
//! it was made, still refreshes on the survivors, and they keep serving throughout.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::helpers::set_cookie;
use crate::postgres::{new_secret, TestDatabase};
use crate::process::{refresh, Launch, ServerProcess, BOOTSTRAP_PASSWORD};

const CHAINS: usize = 6;

#[derive(Default)]
struct Load {
    logged_in: AtomicUsize,
    refreshes: AtomicUsize,
    after_kill: AtomicUsize,
    killed: AtomicBool,
    stop: AtomicBool,
}

/// Logs in, then refreshes on the instances in turn until told to stop; a
/// request an instance never answered is sent on to the next one with the
/// same cookie. Returns the newest cookie acknowledged with a 200.
async fn chain(bases: Vec<String>, first: usize, load: Arc<Load>) -> String {
    let client = reqwest::Client::new();
    let mut turns = (first..).map(|i| bases[i % bases.len()].clone());
    let form = [("username", "admin"), ("password", BOOTSTRAP_PASSWORD)];
    let login = client
        .post(format!("{}/user/token", turns.next().unwrap()))
        .form(&form)
        .send()
        .await
        .expect("every instance answers before the kill");
    assert_eq!(login.status(), 200);
    let mut cookie = set_cookie(login.headers()).expect("a cookie").value;
    load.logged_in.fetch_add(1, Ordering::Relaxed);
    while !load.stop.load(Ordering::Relaxed) {
        let url = format!("{}/user/refresh-token", turns.next().unwrap());
        let Ok(response) = refresh(&client, url, &cookie).await else {
            continue;
        };
        let status = response.status();
        if status == 503 {
            continue;
        }
        assert_eq!(status, 200, "{}", response.text().await.unwrap_or_default());
        let Some(next) = set_cookie(response.headers()) else {
            continue;
        };
        // A 200 whose body did not arrive was not really acknowledged.
        if response.bytes().await.is_err() {
            continue;
        }
        cookie = next.value;
        load.refreshes.fetch_add(1, Ordering::Relaxed);
        if load.killed.load(Ordering::Relaxed) {
            load.after_kill.fetch_add(1, Ordering::Relaxed);
        }
    }
    cookie
}

async fn wait_for(count: &AtomicUsize, at_least: usize, what: &str) {
    let started = Instant::now();
    while count.load(Ordering::Relaxed) < at_least {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Three server processes on `db`, one new secret; logs beside `log_base`.
async fn three_processes(db: &TestDatabase, log_base: &Path) -> [ServerProcess; 3] {
    let secret = new_secret();
    let env = [("LATCHKEY_SECRET", secret.as_str())];
    let launch = Launch {
        db: OsStr::new(&db.url),
        log_base,
        env: &env,
    };
    // A rotation the killed instance committed but never answered is
    // replayed on a survivor: the grace must outlast the test.
    let flags = ["--reuse-grace", "1m"];
    [
        ServerProcess::launch(&launch, &flags).await,
        ServerProcess::launch(&launch, &flags).await,
        ServerProcess::launch(&launch, &flags).await,
    ]
}

#[tokio::test]
async fn after_kill_9_of_one_instance_every_acknowledged_rotation_refreshes_on_the_others() {
    let db = TestDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let [a, b, c] = three_processes(&db, &dir.path().join("instance")).await;
    let bases = vec![a.url(""), b.url(""), c.url("")];
    let load = Arc::new(Load::default());
    let mut chains = JoinSet::new();
    for first in 0..CHAINS {
        chains.spawn(chain(bases.clone(), first, load.clone()));
    }

    // A login still hashing on the instance about to be killed would be
    // cut off: every chain starts before the kill.
    wait_for(&load.logged_in, CHAINS, "every chain logged in").await;
    wait_for(&load.refreshes, 60, "the load got going").await;
    c.kill_hard();
    load.killed.store(true, Ordering::Relaxed);
    wait_for(&load.after_kill, 60, "the survivors keep serving").await;
    load.stop.store(true, Ordering::Relaxed);
    let newest: Vec<String> = chains.join_all().await;

    let client = reqwest::Client::new();
    for (i, cookie) in newest.iter().enumerate() {
        let survivor = [&a, &b][i % 2];
        let response = refresh(&client, survivor.url("/user/refresh-token"), cookie)
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
    }
    assert_eq!(newest.len(), CHAINS);
}
