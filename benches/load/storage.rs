//! Storage per session: one session refreshed many times (10,000 in a full run), and how many bytes
//! the database grew by: SQLite's file after a checkpoint, PostgreSQL's session tables in all
//! (`pg_total_relation_size`, indexes included).

use crate::client::{post_form, Conn};
use crate::server::Server;
use crate::users::log_in_each;
use crate::Options;

/// How many times the one session is refreshed.
pub fn refreshes(options: &Options) -> usize {
    if options.smoke {
        200
    } else {
        10_000
    }
}

/// Refreshes one new session `times` times in a row; returns the non-200 answers.
pub fn refresh_one_session(port: u16, times: usize) -> u64 {
    let (_, mut cookie) = log_in_each(port, 1).remove(0);
    let mut conn = Conn::open(port).expect("connect");
    let mut errors = 0;
    for _ in 0..times {
        let request = post_form(
            "/user/refresh-token",
            "",
            &format!("Cookie: refresh_token={cookie}\r\n"),
        );
        let response = conn.send(&request).expect("refresh");
        match response.set_cookie {
            Some(next) if response.status == 200 => cookie = next,
            _ => errors += 1,
        }
    }
    errors
}

/// The SQLite line: a server as users run it, its file before and after.
pub fn sqlite(options: &Options) -> u64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("storage.db");
    let server = Server::start(&db, &dir.path().join("stderr.log"), None, &[]);
    log_in_each(server.port, 1);
    let before = checkpointed_size(&db);
    let times = refreshes(options);
    let errors = refresh_one_session(server.port, times);
    let after = checkpointed_size(&db);
    println!("{}", growth("SQLite file", times, before, after));
    errors
}

/// The file's size once its WAL is copied back in (and emptied).
fn checkpointed_size(db: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    std::fs::metadata(db).expect("the file").len()
}

pub fn growth(what: &str, times: usize, before: u64, after: u64) -> String {
    format!(
        "storage: one session refreshed {times} times: {what} {before} -> {after} bytes ({:+} bytes)",
        after as i64 - before as i64
    )
}
