//! The load benchmark: measures a bare actix-web hello server, then latchkey run as the README runs
//! it (defaults, request log on, stderr to a file), with the same load in one run, and prints every
//! scenario's share of the hello server's rate and its server CPU per request.
//!
//! `cargo bench --bench load -- [--duration 5] [--connections 32] [--no-pin] [--scale-sessions
//! 1000000] [--only me,verify,refresh,login,mixed,eddsa,rules,postgres,scale]`; the postgres rows need
//! `LATCHKEY_BENCH_POSTGRES` (e.g. `scripts/with-postgres env LATCHKEY_BENCH_POSTGRES=… cargo bench
//! …`). Under `cargo test` (no `--bench` argument) it does a one-second smoke run instead.

mod client;
mod eddsa;
#[path = "../../tests/api/free_port.rs"]
mod free_port;
mod hello;
mod load;
mod passkeys;
mod postgres;
mod recorder;
mod rules;
mod scale;
mod scenarios;
mod server;
mod stats;
mod storage;
mod users;

use std::time::Duration;

pub struct Options {
    pub duration: Duration,
    pub connections: usize,
    pub pin: bool,
    pub scale_sessions: usize,
    pub smoke: bool,
    /// Scenarios to run (the ceiling always runs); empty means all.
    pub only: Vec<String>,
}

impl Options {
    pub fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == scenario)
    }
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let smoke = !args.iter().any(|a| a == "--bench");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Options {
        duration: Duration::from_secs_f64(value("--duration").unwrap_or(if smoke {
            0.1
        } else {
            5.0
        })),
        connections: value("--connections").map_or(if smoke { 4 } else { 32 }, |v| v as usize),
        pin: !smoke && cpus >= 2 && !args.iter().any(|a| a == "--no-pin"),
        scale_sessions: value("--scale-sessions")
            .map_or(if smoke { 2_000 } else { 1_000_000 }, |v| v as usize),
        smoke,
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .map(|list| list.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == hello::FLAG) {
        let port = args.get(at + 1).and_then(|p| p.parse().ok());
        return hello::serve(port.expect("--hello-server takes a port"));
    }
    let options = options();
    if options.pin {
        scenarios::pin_this_process_to_cpu(1);
    }
    println!(
        "latchkey load benchmark: {} connections, {:?} per scenario, server {}",
        options.connections,
        options.duration,
        if options.pin {
            "pinned to CPU 0, load on CPU 1"
        } else {
            "not pinned"
        }
    );
    let failures = scenarios::run_all(&options);
    if options.smoke && failures > 0 {
        eprintln!("smoke run: {failures} non-2xx responses");
        std::process::exit(1);
    }
}
