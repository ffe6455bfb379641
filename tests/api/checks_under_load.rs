//! Access checks under concurrent load: a reader serves the checks queued together in one read
//! snapshot, yet no check sent after a logout was answered may find the session live. (The run
//! boundary that guarantees it, a job queued during a run waits for the next, is pinned exactly by
//! the unit test in `blocking/readers.rs`; this is the property end to end, over HTTP.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

use crate::helpers::spawn_app;

/// Checks answered 200 before the logout, so it lands among many in flight.
const BEFORE: usize = 200;
/// Checks each client sends after the logout was answered.
const AFTER: usize = 20;

#[tokio::test]
async fn no_check_sent_after_a_logout_was_answered_finds_the_session_live() {
    let app = Arc::new(spawn_app().await);
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let (logged_out, answered, busy) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Notify::new()),
    );
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (app, token) = (app.clone(), login.access_token.clone());
            let (logged_out, answered, busy) = (logged_out.clone(), answered.clone(), busy.clone());
            tokio::spawn(async move {
                let mut after = 0;
                while after < AFTER {
                    let sent_after_logout = logged_out.load(Ordering::SeqCst);
                    let status = app.me(&token).await.status().as_u16();
                    if sent_after_logout {
                        assert_eq!(status, 401, "a check sent after the logout found it live");
                        after += 1;
                    } else if status == 200 && answered.fetch_add(1, Ordering::SeqCst) + 1 == BEFORE
                    {
                        busy.notify_one();
                    }
                }
            })
        })
        .collect();
    busy.notified().await;
    assert_eq!(app.logout(&login.cookie).await.status(), 204);
    logged_out.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.expect("every client's checks hold");
    }
}
