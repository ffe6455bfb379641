//! `me` on a second server signing with `--jwt-alg EdDSA`: what Ed25519 tokens cost against HS256
//! ones.

use crate::load::drive;
use crate::recorder::Recorder;
use crate::server::Server;
use crate::stats::Row;
use crate::users::{log_in_each, me_users};
use crate::Options;

/// The row, and its non-2xx answers.
pub fn me_row(options: &Options, hello_rps: f64) -> (Row, u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        &dir.path().join("bench.db"),
        &dir.path().join("stderr.log"),
        options.pin.then_some(0),
        &["--jwt-alg", "EdDSA"],
    );
    let sessions = log_in_each(server.port, options.connections.max(2));
    let mut run = Recorder::new(&server, hello_rps);
    let outcome = drive(server.port, me_users(&sessions), options.duration);
    run.row("me (--jwt-alg EdDSA)", outcome, "Ed25519 tokens");
    (run.rows.remove(0), run.failures)
}
