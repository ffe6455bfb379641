//! Graceful shutdown: on SIGTERM or SIGINT a request already in flight is answered, then the
//! process exits 0 with the WAL folded into the database.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::process::{integrity_check, seed_users, ServerProcess};

async fn in_flight_request_survives(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    seed_users(&db, &["alice".into()], "alice-password");
    let mut server = ServerProcess::start(&db, &[]).await;
    let body = b"username=alice&password=alice-password";
    let head = format!(
        "POST /user/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Half a body: the request is in flight until the rest arrives.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..10]).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.signal(signal);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.is_running(),
        "SIG{signal}: the server waits for the request in flight"
    );
    stream.write_all(&body[10..]).unwrap();
    let answer = tokio::task::spawn_blocking(move || {
        let mut answer = String::new();
        stream.read_to_string(&mut answer).map(|_| answer)
    })
    .await
    .unwrap()
    .expect("an answer");

    assert!(answer.starts_with("HTTP/1.1 200"), "SIG{signal}: {answer}");
    assert!(answer.contains("access_token"), "{answer}");
    let status = server.wait_for_exit(Duration::from_secs(10)).await;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "SIG{signal}: {}",
        server.log()
    );
    let wal = db.with_extension("db-wal");
    let wal_len = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_len, 0, "the WAL is checkpointed (empty or gone)");
    assert_eq!(integrity_check(&db), "ok");
    let sessions: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM sessions", [], |row| row.get(0))
        .unwrap();
    assert_eq!(sessions, 1, "the login answered during shutdown was kept");
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_0_with_the_wal_checkpointed() {
    in_flight_request_survives("TERM").await;
}

#[tokio::test]
async fn sigint_stops_just_as_gracefully() {
    in_flight_request_survives("INT").await;
}
