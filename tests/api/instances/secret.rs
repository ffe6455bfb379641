//! An instance whose signing secret is not the database's refuses to start (exit 2) rather than
//! issue tokens the other instances reject.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::ADMIN_PASSWORD;
use crate::postgres::{new_secret, spawn_instance, TestDatabase};

#[tokio::test]
async fn an_instance_started_with_another_secret_on_the_same_database_exits_2_saying_why() {
    let db = TestDatabase::create();
    let first = spawn_instance(&db.url, &new_secret(), &[]).await;
    let other = new_secret();

    let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(["--db", &db.url, "serve", "--bind", "127.0.0.1:0"])
        .env_remove("LATCHKEY_SECRET_FILE")
        .env("LATCHKEY_SECRET", &other)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another signing secret"), "{stderr}");
    assert!(!stderr.contains(&other), "the secret is never shown");
    assert_eq!(first.login("admin", ADMIN_PASSWORD).await.status(), 200);
}
