//! The scale scenario: refresh with a thousand sessions stored, then with a million, each on a
//! fresh latchkey.

use crate::load::{drive, Outcome};
use crate::server::Server;
use crate::stats::{print_row, Row};
use crate::users::{log_in_each, refresh_users};
use crate::Options;

pub fn scale(options: &Options) -> u64 {
    let small = scale_run(options, 1_000);
    let large = scale_run(options, options.scale_sessions);
    let ratio = format!(
        "p50 {:.2}x",
        large.samples.percentile(0.5) / small.samples.percentile(0.5).max(0.001)
    );
    let errors = small.samples.errors + large.samples.errors;
    for (name, outcome, ratio) in [
        ("scale: 1k", small, String::new()),
        (
            &*format!("scale: {}", short(options.scale_sessions)),
            large,
            ratio,
        ),
    ] {
        print_row(&Row {
            name: name.into(),
            rps: outcome.rps,
            samples: outcome.samples,
            vs_hello: None,
            note: ratio,
            peak_rss_mib: 0.0,
            cpu_us: None,
        });
    }
    errors
}

fn short(n: usize) -> String {
    if n >= 1_000_000 {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{}k", n / 1_000)
    }
}

fn scale_run(options: &Options, stored: usize) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("scale.db");
    fill::sessions(&db, stored);
    let server = Server::start(
        &db,
        &dir.path().join("stderr.log"),
        options.pin.then_some(0),
        &[],
    );
    let sessions = log_in_each(server.port, options.connections);
    drive(server.port, refresh_users(&sessions), options.duration)
}

pub mod fill {
    //! Stores many sessions straight into a fresh database, as years of logins would.

    use rand::RngCore;
    use std::path::Path;

    pub fn sessions(db: &Path, count: usize) {
        latchkey::store::SqliteStore::open(db, 1).expect("schema");
        let mut conn = rusqlite::Connection::open(db).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO users (username, username_key, password_hash, created_at, updated_at) VALUES ('filler', 'filler', 'x', 0, 0)", []).unwrap();
        let user = tx.last_insert_rowid();
        let far = i64::MAX / 2;
        {
            // Sessions as counted ids leave them: a generation, the last four
            // issue times and the rotating client, and no other row.
            let mut session = tx
                .prepare(
                    "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at,
                                           idle_expires_at, absolute_expires_at, issue_times,
                                           issued_to)
                     VALUES (?1, ?2, 40, 0, 0, ?3, ?3, ?4, ?5)",
                )
                .unwrap();
            let mut rng = rand::thread_rng();
            for _ in 0..count {
                let mut bytes = [0u8; 80];
                rng.fill_bytes(&mut bytes);
                let sid = hex::encode(&bytes[..16]);
                session
                    .execute(rusqlite::params![
                        sid,
                        user,
                        far,
                        &bytes[16..48],
                        &bytes[48..64]
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
}
