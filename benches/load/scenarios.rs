//! The scenarios: ceiling, me, refresh, login, mixed and scale, each printed as one row of the table.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

use latchkey::auth::password;
use latchkey::domain::NewPassword;

use crate::client::{access_token, get, post_form, Conn};
use crate::load::{drive, drive_each, Outcome, Step};
use crate::server::{Server, ADMIN_PASSWORD};
use crate::stats::{print_header, print_row, Row};
use crate::Options;

const LOGIN_BODY: &str = "username=admin&password=bench-admin-password";

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
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("bench.db"), options.pin.then_some(0));
    std::thread::sleep(Duration::from_millis(300));
    let idle_rss = server.current_rss_mib();
    let sessions = log_in_each(server.port, options.connections.max(2));
    let argon2_per_sec = argon2_bound(options);
    println!("server RSS idle: {idle_rss:.1} MiB; argon2 bound: {argon2_per_sec:.1} hashes/s on one core\n");
    print_header();
    let mut failures = 0;
    let mut cpu_mark = server.cpu_seconds();
    let mut row = |name: &str, outcome: Outcome, ratio: String| {
        failures += outcome.samples.errors;
        let cpu_now = server.cpu_seconds();
        let requests = outcome.samples.micros.len() as f64;
        // A mixed run's CPU belongs to both of its rows, so neither gets it.
        let cpu_us = if requests == 0.0 || name.starts_with("mixed") {
            0.0
        } else {
            (cpu_now - cpu_mark) * 1e6 / requests
        };
        cpu_mark = cpu_now;
        let row = Row {
            name: name.into(),
            rps: outcome.rps,
            samples: outcome.samples,
            ratio,
            peak_rss_mib: server.take_peak_rss_mib(),
            cpu_us,
        };
        print_row(&row);
        row.rps
    };
    let ceiling = row(
        "ceiling",
        drive(
            server.port,
            repeat(options.connections, get("/healthz/live", "")),
            options.duration,
        ),
        "1.00x".into(),
    );
    if options.wants("me") {
        let me = drive(server.port, me_users(&sessions), options.duration);
        let ratio = format!("{:.2}x ceil", me.rps / ceiling);
        row("me", me, ratio);
    }
    if options.wants("refresh") {
        let refresh = drive(server.port, refresh_users(&sessions), options.duration);
        let ratio = format!("{:.2}x ceil", refresh.rps / ceiling);
        row("refresh", refresh, ratio);
    }
    if options.wants("login") {
        let login_conns = options.connections.min(8);
        let requests = repeat(login_conns, post_form("/user/token", LOGIN_BODY, ""));
        let login = drive(server.port, requests, options.duration);
        let ratio = format!("{:.2}x argon2", login.rps / argon2_per_sec);
        row("login", login, ratio);
    }
    if options.wants("mixed") {
        let (flood, me_during) = mixed(server.port, &sessions, options.duration);
        let me_p99 = format!("me p99 {:.1}ms", me_during.samples.percentile(0.99));
        row("mixed: login", flood, String::new());
        row("mixed: me", me_during, me_p99);
    }
    drop(server);
    if options.wants("scale") {
        failures += scale(options);
    }
    failures
}

fn repeat(count: usize, request: Vec<u8>) -> Vec<Step> {
    (0..count)
        .map(|_| {
            let request = request.clone();
            Box::new(move |conn: &mut Conn| Ok(conn.send(&request)?.status / 100 == 2)) as Step
        })
        .collect()
}

/// One session per connection: (access token, refresh cookie).
fn log_in_each(port: u16, count: usize) -> Vec<(String, String)> {
    let mut conn = Conn::open(port).expect("connect");
    (0..count)
        .map(|_| {
            let response = conn
                .send(&post_form("/user/token", LOGIN_BODY, ""))
                .expect("login");
            assert_eq!(response.status, 200, "bench login failed");
            (
                access_token(&response.body).expect("token"),
                response.set_cookie.expect("cookie"),
            )
        })
        .collect()
}

fn me_users(sessions: &[(String, String)]) -> Vec<Step> {
    sessions
        .iter()
        .map(|(token, _)| {
            let request = get("/user/me", &format!("Authorization: Bearer {token}\r\n"));
            Box::new(move |conn: &mut Conn| Ok(conn.send(&request)?.status == 200)) as Step
        })
        .collect()
}

/// Each user follows its own cookie chain, so every request is a real rotation.
fn refresh_users(sessions: &[(String, String)]) -> Vec<Step> {
    sessions
        .iter()
        .map(|(_, cookie)| {
            let mut cookie = cookie.clone();
            Box::new(move |conn: &mut Conn| -> io::Result<bool> {
                let request = post_form(
                    "/user/refresh-token",
                    "",
                    &format!("Cookie: refresh_token={cookie}\r\n"),
                );
                let response = conn.send(&request)?;
                if let Some(next) = response.set_cookie {
                    cookie = next;
                }
                Ok(response.status == 200)
            }) as Step
        })
        .collect()
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

fn scale(options: &Options) -> u64 {
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
            ratio,
            peak_rss_mib: 0.0,
            cpu_us: 0.0,
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
    crate::scenarios::fill::sessions(&db, stored);
    let server = Server::start(&db, options.pin.then_some(0));
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
        tx.execute("INSERT INTO users (username, password_hash, created_at, updated_at) VALUES ('filler', 'x', 0, 0)", []).unwrap();
        let user = tx.last_insert_rowid();
        let far = i64::MAX / 2;
        {
            let mut session = tx.prepare("INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at, absolute_expires_at) VALUES (?1, ?2, 0, 0, 0, ?3, ?3)").unwrap();
            let mut id = tx
                .prepare(
                    "INSERT INTO refresh_ids (hash, session_id, generation) VALUES (?1, ?2, 0)",
                )
                .unwrap();
            let mut rng = rand::thread_rng();
            for _ in 0..count {
                let mut bytes = [0u8; 48];
                rng.fill_bytes(&mut bytes);
                let sid = hex::encode(&bytes[..16]);
                session.execute(rusqlite::params![sid, user, far]).unwrap();
                id.execute(rusqlite::params![&bytes[16..], sid]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
}
