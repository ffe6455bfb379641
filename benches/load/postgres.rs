//! `me` and `refresh` on a server with `--db postgres://…` (the URL in `LATCHKEY_BENCH_POSTGRES`),
//! each beside pgbench at the same client count against the same PostgreSQL server in the same run:
//! `pgbench -S` (one primary-key SELECT per transaction) for `me`, and one UPDATE by primary key
//! per transaction (a rotation's write) for `refresh` (scripts/pgbench-reference); then how much
//! the session tables grow while one session is refreshed many times.

use std::process::Command;

use crate::load::drive;
use crate::recorder::Recorder;
use crate::server::Server;
use crate::stats::Row;
use crate::storage;
use crate::users::{log_in_each, me_users, refresh_users};
use crate::Options;

pub const URL_VARIABLE: &str = "LATCHKEY_BENCH_POSTGRES";

/// The rows, their non-2xx answers and the storage line; none when no server is named.
pub fn rows(options: &Options, hello_rps: f64) -> (Vec<Row>, u64, Option<String>) {
    // The smoke run under `cargo test` uses the test command's throwaway server.
    let named = |name: &str| std::env::var(name).ok().filter(|u| !u.is_empty());
    let url = named(URL_VARIABLE).or_else(|| {
        options
            .smoke
            .then(|| named("LATCHKEY_TEST_POSTGRES"))
            .flatten()
    });
    let Some(url) = url else {
        println!("(PostgreSQL scenarios skipped: set {URL_VARIABLE}, e.g. through scripts/with-postgres)");
        return (Vec::new(), 0, None);
    };
    let database = Scratch::create(&url);
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = "ab".repeat(16) + &"cd".repeat(16);
    let server = Server::start_with_env(
        database.url.as_ref(),
        &dir.path().join("stderr.log"),
        options.pin.then_some(0),
        &[],
        &[("LATCHKEY_SECRET", secret.as_str())],
    );
    let sessions = log_in_each(server.port, options.connections.max(2));
    let (select_tps, write_tps) = pgbench(options, &url);
    let mut run = Recorder::new(&server, hello_rps);
    let me = drive(server.port, me_users(&sessions), options.duration);
    let ratio = me.rps / select_tps;
    run.row(
        "pg: me",
        me,
        &format!("{ratio:.2}x pgbench -S ({select_tps:.0} tps)"),
    );
    let refresh = drive(server.port, refresh_users(&sessions), options.duration);
    let ratio = refresh.rps / write_tps;
    run.row(
        "pg: refresh",
        refresh,
        &format!("{ratio:.2}x pgbench update ({write_tps:.0} tps)"),
    );
    let before = database.session_bytes();
    let times = storage::refreshes(options);
    let errors = storage::refresh_one_session(server.port, times);
    let after = database.session_bytes();
    let growth = storage::growth("PostgreSQL session tables", times, before, after);
    (run.rows, run.failures + errors, Some(growth))
}

/// (select-only tps, one-UPDATE tps) at the benchmark's client count.
fn pgbench(options: &Options, server: &str) -> (f64, f64) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pgbench-reference");
    let seconds = options.duration.as_secs().max(1).to_string();
    let output = Command::new(script)
        .args([&options.connections.to_string(), &seconds])
        .env(URL_VARIABLE, server)
        .output()
        .expect("scripts/pgbench-reference runs");
    assert!(
        output.status.success(),
        "pgbench-reference failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("pgbench-reference printed no {name}: {text}"))
    };
    (tps("pgbench_select_tps "), tps("pgbench_update_tps "))
}

/// A database of the benchmark's own on the named server, dropped afterwards:
/// the URL's own database is never written to.
struct Scratch {
    url: String,
    server: String,
    name: String,
}

impl Scratch {
    fn create(server: &str) -> Scratch {
        let name = format!("latchkey_bench_{}", std::process::id());
        let mut url = url::Url::parse(server).expect("a PostgreSQL URL");
        url.set_path(&format!("/{name}"));
        let scratch = Scratch {
            url: url.to_string(),
            server: server.to_string(),
            name,
        };
        scratch.run(&format!(
            "DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}",
            scratch.name
        ));
        scratch
    }

    /// `sessions` and `refresh_ids` with their indexes and TOAST, in bytes.
    fn session_bytes(&self) -> u64 {
        let mut client =
            postgres::Client::connect(&self.url, postgres::NoTls).expect("the scratch database");
        let row = client
            .query_one(
                "SELECT (pg_total_relation_size('sessions')
                         + pg_total_relation_size('refresh_ids'))::bigint",
                &[],
            )
            .expect("sizes");
        row.get::<_, i64>(0) as u64
    }

    fn run(&self, sql: &str) {
        let mut client = postgres::Client::connect(&self.server, postgres::NoTls)
            .expect("the benchmark's PostgreSQL server answers");
        for statement in sql.split("; ") {
            client.batch_execute(statement).expect(statement);
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.run(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
