//! `me` and `refresh` on a server with `--db postgres://…` (the URL in `LATCHKEY_BENCH_POSTGRES`),
//! each beside pgbench at the same client count against the same PostgreSQL server in the same run:
//! `pgbench -S` (one primary-key SELECT per transaction) for `me`, and one UPDATE by primary key plus
//! one INSERT per transaction (a rotation's writes) for `refresh` (scripts/pgbench-reference).

use std::process::Command;

use crate::load::drive;
use crate::scenarios::{log_in_each, me_users, refresh_users, Recorder};
use crate::server::Server;
use crate::stats::Row;
use crate::Options;

pub const URL_VARIABLE: &str = "LATCHKEY_BENCH_POSTGRES";

/// The rows, and their non-2xx answers; none when no server is named.
pub fn rows(options: &Options, hello_rps: f64) -> (Vec<Row>, u64) {
    let Some(url) = std::env::var(URL_VARIABLE).ok().filter(|u| !u.is_empty()) else {
        println!("(PostgreSQL scenarios skipped: set {URL_VARIABLE}, e.g. through scripts/with-postgres)");
        return (Vec::new(), 0);
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = "ab".repeat(16) + &"cd".repeat(16);
    let server = Server::start_with_env(
        url.as_ref(),
        &dir.path().join("stderr.log"),
        options.pin.then_some(0),
        &[],
        &[("LATCHKEY_SECRET", secret.as_str())],
    );
    let sessions = log_in_each(server.port, options.connections.max(2));
    let (select_tps, write_tps) = pgbench(options);
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
        &format!("{ratio:.2}x pgbench update+insert ({write_tps:.0} tps)"),
    );
    (run.rows, run.failures)
}

/// (select-only tps, update+insert tps) at the benchmark's client count.
fn pgbench(options: &Options) -> (f64, f64) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pgbench-reference");
    let seconds = options.duration.as_secs().max(1).to_string();
    let output = Command::new(script)
        .args([&options.connections.to_string(), &seconds])
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
    (
        tps("pgbench_select_tps "),
        tps("pgbench_update_insert_tps "),
    )
}
