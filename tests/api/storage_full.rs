//! A full disk is an outage to wait out: 503 `busy` with `Retry-After`, `/healthz` says so, audit
//! events wait, and everything works again once space is freed.

use std::time::Duration;

use latchkey::store::{AuditQuery, IssueTimes};
use reqwest::Response;

use crate::helpers::*;
use crate::metrics::{sample, scrape};

/// The test-only cap: a few hundred KiB, so filling it is quick.
const MAX_PAGES: u32 = 200;

/// Fills the database to the cap through a connection of its own: free
/// pages go to a table the server never reads, then the tables a login and
/// an audit event add rows to are packed with marked rows, ever smaller,
/// until not even a small row finds room (as on a full disk, where no write
/// finds room at all).
fn fill(app: &TestApp) {
    let conn = app.db();
    conn.pragma_update(None, "max_page_count", MAX_PAGES)
        .unwrap();
    conn.execute_batch("CREATE TABLE filler (x BLOB)").unwrap();
    pack(&conn, "INSERT INTO filler VALUES (randomblob(?1))");
    pack(
        &conn,
        "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at,
                               absolute_expires_at, end_reason, user_agent)
         SELECT lower(hex(randomblob(16))), id, 0, 0, 0, 0, 0, 'filler', zeroblob(?1)
         FROM users LIMIT 1",
    );
    pack(
        &conn,
        "INSERT INTO audit_events (at, event, reason) VALUES (unixepoch() * 1000, 'filler', zeroblob(?1))",
    );
}

/// Inserts rows of shrinking size until each size keeps failing as full.
fn pack(conn: &rusqlite::Connection, insert: &str) {
    for size in [4000, 1000, 300, 100, 30, 0] {
        let mut refused = 0;
        while refused < 30 {
            match conn.execute(insert, [size]) {
                Ok(_) => refused = 0,
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) => {
                    refused += 1
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// Gives the space back, as an operator freeing the disk would.
fn free(app: &TestApp) {
    app.db()
        .execute_batch(
            "DELETE FROM filler; DELETE FROM sessions WHERE end_reason = 'filler';
             DELETE FROM audit_events WHERE event = 'filler';",
        )
        .unwrap();
}

async fn healthz(app: &TestApp) -> Response {
    app.client.get(app.url("/healthz")).send().await.unwrap()
}

fn assert_busy_with_retry_after(response: &Response) {
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_full_database_answers_busy_until_space_is_freed_and_keeps_its_audit_events() {
    let flags = [
        "--test-max-db-pages",
        "200",
        "--metrics-bind",
        "127.0.0.1:0",
    ];
    let app = spawn_sqlite_app_with(&flags).await;
    app.add_user("alice", "alice-password", false);
    let mut before = app.login_ok("alice", "alice-password").await;
    for _ in 0..IssueTimes::KEPT {
        // Until the session's row has its full size.
        before = app.refresh_ok(&before.cookie).await;
    }

    fill(&app);
    let login = app.login("alice", "alice-password").await;
    let refresh = app.refresh(&before.cookie).await;
    let health = healthz(&app).await;
    let wrong = app.login("alice", "wrong-password").await;

    assert_busy_with_retry_after(&login);
    assert_eq!(error_of(login).await.1, "busy");
    assert_eq!(
        refresh.status(),
        200,
        "a rotation rewrites its session's row in place: it needs no room"
    );
    assert_busy_with_retry_after(&health);
    let (detail, _) = error_of(health).await;
    assert!(detail.contains("full"), "{detail}");
    assert_eq!(
        wrong.status(),
        401,
        "a refusal writes nothing but its event"
    );
    let counted = scrape(&app).await;
    let series = "latchkey_logins_total{outcome=\"storage_full\"}";
    assert!(sample(&counted, series) >= 1.0, "{counted}");

    free(&app);
    assert_eq!(healthz(&app).await.status(), 200);
    app.login_ok("alice", "alice-password").await;
    let failed = AuditQuery {
        username: Some("alice".into()),
        event: Some("login_failed".into()),
        ..AuditQuery::default()
    };
    for _ in 0..50 {
        // The refused login (reason busy) and the wrong password.
        if app
            .with_store(|store| store.query_audit(&failed))
            .unwrap()
            .1
            == 2
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all = app.with_store(|store| store.query_audit(&AuditQuery::default()));
    panic!("the login_failed events of the full period were never written: {all:?}");
}
