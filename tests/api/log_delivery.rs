//! The request log is written in the background: a line reaches the file within 100 ms of its
//! answer, and a graceful stop writes every line before the process exits.

use std::time::{Duration, Instant};

use crate::logs::LoggedServer;

async fn get_with_id(server: &LoggedServer, id: &str) {
    let request = server.client.get(server.url("/healthz/live"));
    let response = request.header("X-Request-Id", id).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn each_request_line_is_in_the_log_file_within_100_ms_of_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = LoggedServer::start(dir.path(), &[]).await;

    for n in 0..5 {
        let id = format!("prompt-{n}");
        get_with_id(&server, &id).await;
        let answered = Instant::now();
        let wanted = format!("request_id={id} ");
        while !server.log().contains(&wanted) {
            assert!(
                answered.elapsed() <= Duration::from_millis(100),
                "no line for {id} 100 ms after its answer:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Apart, so every line starts a new batch of the writer.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn sigterm_right_after_a_burst_still_writes_every_request_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LoggedServer::start(dir.path(), &[]).await;

    let users = (0..8).map(|user| {
        let server = &server;
        async move {
            for n in 0..40 {
                get_with_id(server, &format!("burst-{user}-{n}")).await;
            }
        }
    });
    futures_util::future::join_all(users).await;
    let log = server.stop();

    let lines = log.lines().filter(|l| l.contains("request_id=burst-"));
    assert_eq!(lines.count(), 8 * 40, "every request's line:\n{log}");
}
