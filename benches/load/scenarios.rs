//! The scenarios: ceiling, me, refresh, login, mixed and scale, each printed as one row of the
//! table.

use std::process::Command;
use std::time::{Duration, Instant};

use latchkey::auth::password;
use latchkey::domain::NewPassword;

use crate::client::{get, post_form};
use crate::load::{drive, drive_each, Outcome};
use crate::recorder::Recorder;
use crate::server::{Server, ADMIN_PASSWORD};
use crate::stats::{print_header, print_row, Row};
use crate::users::{bearer_users, log_in_each, me_users, refresh_users, repeat, LOGIN_BODY};
use crate::Options;

pub fn pin_this_process_to_cpu(cpu: usize) {
    let pid = std::process::id().to_string();
    let status = Command::new("taskset")
        .args(["-p", "-c", &cpu.to_string(), &pid])
        .output();
    if !status.is_ok_and(|s| s.status.success()) {
        eprintln!("taskset failed: the load is not pinned");
    }
}

/// Runs every scenario and prints the table; returns the number of non-2xx answers.
pub fn run_all(options: &Options) -> u64 {
    let pin = options.pin.then_some(0);
    let hello = hello_row(options);

    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        &dir.path().join("bench.db"),
        &dir.path().join("stderr.log"),
        pin,
        &[],
    );
    std::thread::sleep(Duration::from_millis(300));
    let idle_rss = server.current_rss_mib();
    let sessions = log_in_each(server.port, options.connections.max(2));
    let argon2_per_sec = argon2_bound(options);
    println!("latchkey RSS idle: {idle_rss:.1} MiB; argon2 bound: {argon2_per_sec:.1} hashes/s on one core\n");
    let mut run = Recorder::new(&server, hello.rps);
    run.failures = hello.samples.errors;
    print_header();
    print_row(&hello);
    let live = repeat(options.connections, get("/healthz/live", ""));
    run.row(
        "ceiling (/healthz/live)",
        drive(server.port, live, options.duration),
        "no-work route",
    );
    if options.wants("me") {
        run.row(
            "me",
            drive(server.port, me_users(&sessions), options.duration),
            "",
        );
    }
    if options.wants("verify") {
        run.row(
            "verify (/auth/verify)",
            drive(
                server.port,
                bearer_users(&sessions, "/auth/verify"),
                options.duration,
            ),
            "forward auth",
        );
    }
    if options.wants("refresh") {
        run.row(
            "refresh",
            drive(server.port, refresh_users(&sessions), options.duration),
            "",
        );
    }
    if options.wants("login") {
        let requests = repeat(
            options.connections.min(8),
            post_form("/user/token", LOGIN_BODY, ""),
        );
        let login = drive(server.port, requests, options.duration);
        let note = format!("{:.2}x argon2 bound", login.rps / argon2_per_sec);
        run.row("login (8 conns)", login, &note);
    }
    if options.wants("mixed") {
        let (flood, me_during) = mixed(server.port, &sessions, options.duration);
        // A mixed run's CPU belongs to both of its rows, so neither gets it.
        run.cpu = false;
        run.row("mixed: login", flood, "");
        run.row("mixed: me", me_during, "");
    }
    // Last on this server: each registration ends the admin's other sessions.
    if options.wants("login") {
        let users = crate::passkeys::passkey_users(server.port, options.connections.min(8));
        run.skip_setup();
        let login = drive(server.port, users, options.duration);
        let note = format!("{:.2}x argon2 bound", login.rps / argon2_per_sec);
        run.row("passkey login (8 conns)", login, &note);
    }
    let Recorder {
        mut rows, failures, ..
    } = run;
    drop(server);
    let mut failures = failures;
    if options.wants("eddsa") {
        let (row, errors) = crate::eddsa::me_row(options, hello.rps);
        rows.push(row);
        failures += errors;
    }
    if options.wants("rules") {
        let (rule_rows, errors) = crate::rules::rows(options, hello.rps);
        rows.extend(rule_rows);
        failures += errors;
    }
    let mut pg_storage = None;
    if options.wants("postgres") {
        let (pg_rows, errors, storage) = crate::postgres::rows(options, hello.rps);
        rows.extend(pg_rows);
        failures += errors;
        pg_storage = storage;
    }
    rows.iter().for_each(print_row);
    if options.wants("scale") {
        failures += crate::scale::scale(options);
    }
    if options.wants("storage") {
        failures += crate::storage::sqlite(options);
        pg_storage.iter().for_each(|line| println!("{line}"));
    }
    failures
}

/// The ceiling, alone on the same CPU before latchkey starts.
fn hello_row(options: &Options) -> Row {
    let server = Server::hello(options.pin.then_some(0));
    let mut hello = Recorder::new(&server, 0.0);
    let requests = repeat(options.connections, get("/", ""));
    let outcome = drive(server.port, requests, options.duration);
    hello.row("hello (bare actix)", outcome, "the ceiling");
    hello.rows.remove(0)
}

/// Logins flood on a few connections while the rest call /user/me.
fn mixed(port: u16, sessions: &[(String, String)], duration: Duration) -> (Outcome, Outcome) {
    let flooders = 4.min(sessions.len() - 1);
    let mut users = repeat(flooders, post_form("/user/token", LOGIN_BODY, ""));
    users.extend(me_users(&sessions[flooders..]));
    let (mut per_user, elapsed) = drive_each(port, users, duration);
    let me = per_user.split_off(flooders);
    (Outcome::of(per_user, elapsed), Outcome::of(me, elapsed))
}

/// Hashes per second on one core, in this process, now.
fn argon2_bound(options: &Options) -> f64 {
    let password = NewPassword::parse(ADMIN_PASSWORD).unwrap();
    let started = Instant::now();
    let mut hashes = 0;
    while started.elapsed() < options.duration.min(Duration::from_secs(2)) || hashes < 3 {
        password::hash(&password).unwrap();
        hashes += 1;
    }
    hashes as f64 / started.elapsed().as_secs_f64()
}
