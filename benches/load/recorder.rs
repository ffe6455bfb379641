//! One row per scenario: its share of the hello server's rate, and the server CPU it cost per
//! request.

use crate::load::Outcome;
use crate::server::Server;
use crate::stats::Row;

/// Turns each scenario's outcome into a row: its share of the hello
/// server's rate, and the server CPU it cost per request.
pub struct Recorder<'a> {
    server: &'a Server,
    hello_rps: f64,
    cpu_mark: f64,
    pub cpu: bool,
    pub failures: u64,
    pub rows: Vec<Row>,
}

impl<'a> Recorder<'a> {
    pub fn new(server: &'a Server, hello_rps: f64) -> Recorder<'a> {
        Recorder {
            server,
            hello_rps,
            cpu_mark: server.cpu_seconds(),
            // Starts the peak afresh: setup logins are not a scenario.
            rows: {
                server.take_peak_rss_mib();
                Vec::new()
            },
            cpu: true,
            failures: 0,
        }
    }

    /// Leaves the CPU spent since the last row (a scenario's setup) out of
    /// the next, which has the server to itself again.
    pub fn skip_setup(&mut self) {
        self.cpu_mark = self.server.cpu_seconds();
        self.cpu = true;
    }

    pub fn row(&mut self, name: &str, outcome: Outcome, note: &str) -> f64 {
        self.failures += outcome.samples.errors;
        let cpu_now = self.server.cpu_seconds();
        let requests = outcome.samples.micros.len() as f64;
        let cpu_us =
            (self.cpu && requests > 0.0).then(|| (cpu_now - self.cpu_mark) * 1e6 / requests);
        self.cpu_mark = cpu_now;
        let rps = outcome.rps;
        self.rows.push(Row {
            name: name.into(),
            rps,
            samples: outcome.samples,
            // The hello server's own row is its own base.
            vs_hello: Some(
                rps / if self.hello_rps > 0.0 {
                    self.hello_rps
                } else {
                    rps
                },
            ),
            note: note.into(),
            peak_rss_mib: self.server.take_peak_rss_mib(),
            cpu_us,
        });
        rps
    }
}
