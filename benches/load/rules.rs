//! `/auth/verify` on a second server started with docs/deploy.md's access rules
//! (`deploy/access-rules.toml`), each request naming its original URL as nginx sends it: what the
//! rules cost against `me` and plain forward auth.

use crate::client::{get, Conn};
use crate::load::{drive, Step};
use crate::recorder::Recorder;
use crate::server::Server;
use crate::stats::Row;
use crate::users::{log_in_each, me_users};
use crate::Options;

/// The admin app's host: the bench user is an admin, so the third rule lets it through after the
/// first two were tried.
const ORIGINAL: &str = "X-Original-URL: https://admin.example.com/users/42?tab=sessions\r\n\
                        X-Original-Method: GET\r\n";

/// `me` and `verify` on the rules server, and their non-2xx answers.
pub fn rows(options: &Options, hello_rps: f64) -> (Vec<Row>, u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/access-rules.toml");
    let server = Server::start(
        &dir.path().join("bench.db"),
        &dir.path().join("stderr.log"),
        options.pin.then_some(0),
        &["--access-rules", rules],
    );
    let sessions = log_in_each(server.port, options.connections.max(2));
    let mut run = Recorder::new(&server, hello_rps);
    let me = drive(server.port, me_users(&sessions), options.duration);
    let me_rps = me.rps;
    run.row("me (rules server)", me, "");
    let verify = drive(server.port, ruled_users(&sessions), options.duration);
    let note = format!("{:.2}x me, rule 3 of 3", verify.rps / me_rps);
    run.row("verify (access rules)", verify, &note);
    (run.rows, run.failures)
}

fn ruled_users(sessions: &[(String, String)]) -> Vec<Step> {
    sessions
        .iter()
        .map(|(token, _)| {
            let request = get(
                "/auth/verify",
                &format!("Authorization: Bearer {token}\r\n{ORIGINAL}"),
            );
            Box::new(move |conn: &mut Conn| Ok(conn.send(&request)?.status == 200)) as Step
        })
        .collect()
}
