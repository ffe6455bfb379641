//! Sweeping: expired and ended sessions go with all their ids (`latchkey sessions prune`, and the
//! server in the background); live sessions keep the chained ids from before counted ids, which
//! reuse detection needs.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use latchkey::blocking::sessions_from_blocking_thread;
use latchkey::domain::SessionId;
use latchkey::store::{EndReason, Factors, IssueTimes, NewSession, SqliteStore};

use crate::helpers::*;
use crate::process::{seed_users, ServerProcess};

const DAY: i64 = 86_400_000;

/// A session of user 1 with `chained` rows of ids from before counted ids
/// (as an upgraded file has them).
fn add_session(
    store: &SqliteStore,
    db: &Path,
    now: i64,
    (idle_left, absolute_left): (i64, i64),
    chained: i64,
) -> String {
    let id = SessionId::generate();
    let session = NewSession {
        id: id.clone(),
        user_id: 1,
        now: now - DAY,
        idle_expires_at: now + idle_left,
        absolute_expires_at: now + absolute_left,
        user_agent: None,
        ip: None,
        issued_to: [0; 16],
        factors: Factors::Password,
        issue_times: IssueTimes::first(now - DAY),
        portal_hash: None,
    };
    sessions_from_blocking_thread(store, None, move |tx| Ok(tx.create_session(&session)?)).unwrap();
    let conn = rusqlite::Connection::open(db).unwrap();
    for generation in 0..chained {
        let hash: [u8; 32] = rand::random();
        conn.execute(
            "INSERT INTO refresh_ids (hash, session_id, generation, issued_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![&hash[..], id.as_str(), generation, now - DAY],
        )
        .unwrap();
    }
    id.as_str().into()
}

/// Session id → how many refresh ids it has, for every session in the file.
fn ids_per_session(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT s.id, (SELECT COUNT(*) FROM refresh_ids r WHERE r.session_id = s.id)
             FROM sessions s ORDER BY s.id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn orphan_ids(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM refresh_ids WHERE session_id NOT IN (SELECT id FROM sessions)",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

/// The live session, and the ids of the expired and ended ones.
fn seed_sessions(db: &Path) -> (String, Vec<String>) {
    seed_users(db, &["alice".into()], "alice-password");
    let store = SqliteStore::open(db, 1).unwrap();
    let now = latchkey::clock::now_ms();
    let live = add_session(&store, db, now, (DAY, 30 * DAY), 4);
    let idle_expired = add_session(&store, db, now, (-1, 30 * DAY), 2);
    let absolute_expired = add_session(&store, db, now, (DAY, -1), 1);
    let ended = add_session(&store, db, now, (DAY, 30 * DAY), 2);
    let session = ended.clone();
    let logged_out = sessions_from_blocking_thread(&store, None, move |tx| {
        Ok(tx.end_session(&session, EndReason::Logout, now)?)
    });
    assert!(logged_out.unwrap());
    (live, vec![idle_expired, absolute_expired, ended])
}

fn prune(db: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--db")
        .arg(db)
        .args(["sessions", "prune"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn prune_deletes_expired_and_ended_sessions_with_their_ids_and_keeps_live_ones_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let (live, _) = seed_sessions(&db);
    assert_eq!(ids_per_session(&db).len(), 4);

    let output = prune(&db);

    assert!(output.contains("deleted 3"), "{output}");
    assert_eq!(
        ids_per_session(&db),
        vec![(live, 4)],
        "the live session's chained ids are kept"
    );
    assert_eq!(orphan_ids(&db), 0);
    assert!(prune(&db).contains("deleted 0"));
}

#[tokio::test]
async fn the_server_sweeps_expired_and_ended_sessions_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let (live, _) = seed_sessions(&db);

    let _server = ServerProcess::start(&db, &[]).await;

    // Sessions go in one transaction and their ids in the next: wait for both.
    let started = Instant::now();
    let swept = |db: &Path| ids_per_session(db).len() == 1 && orphan_ids(db) == 0;
    while !swept(&db) && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ids_per_session(&db), vec![(live, 4)]);
    assert_eq!(orphan_ids(&db), 0);
}

#[tokio::test]
async fn after_a_prune_a_replayed_rotated_id_is_still_caught_and_an_ended_session_is_gone() {
    let app = spawn_app_with(&["--reuse-grace", "0s"]).await;
    app.add_user("alice", "alice-password", false);
    let first = app.login_ok("alice", "alice-password").await;
    let second = app.refresh_ok(&first.cookie).await;
    let third = app.refresh_ok(&second.cookie).await;
    let ended = app.login_ok("alice", "alice-password").await;
    assert_eq!(app.logout(&ended.cookie).await.status(), 204);
    tokio::time::sleep(Duration::from_millis(5)).await;

    let pruned = app.cli(&["sessions", "prune"], "");
    assert!(pruned.status.success(), "{pruned:?}");

    let (_, code) = error_of(app.refresh(&first.cookie).await).await;
    assert_eq!(code, "reuse_detected", "the rotated id was kept");
    let (_, code) = error_of(app.refresh(&third.cookie).await).await;
    assert_eq!(code, "reuse_detected", "the family ended");
    let (_, code) = error_of(app.refresh(&ended.cookie).await).await;
    assert_eq!(code, "not_found", "the logged-out session was swept");
}
