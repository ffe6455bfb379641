//! Starts the server under test — latchkey as the README runs it, or the bare hello server — pinned
//! to one CPU when asked, and watches its CPU time and memory.

use std::ffi::OsStr;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::free_port::free_port;

pub const ADMIN_PASSWORD: &str = "bench-admin-password";

pub struct Server {
    child: Child,
    pub port: u16,
    peak_rss_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// latchkey with its defaults (request log on, at `info`) and `flags`,
    /// its stderr in `log` as journald or a redirect would take it.
    pub fn start(db: &Path, log: &Path, pin_cpu: Option<usize>, flags: &[&str]) -> Server {
        Server::start_with_env(db.as_os_str(), log, pin_cpu, flags, &[])
    }

    /// `start` on `db` (a file or a `postgres://` URL), with extra environment.
    pub fn start_with_env(
        db: &OsStr,
        log: &Path,
        pin_cpu: Option<usize>,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let port = free_port();
        let mut command = pinned(env!("CARGO_BIN_EXE_latchkey"), pin_cpu);
        command
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(flags)
            .env("LATCHKEY_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .env_remove("RUST_LOG")
            .env_remove("LATCHKEY_LOG_FORMAT")
            .stderr(File::create(log).expect("log file"));
        Server::spawn(command, port)
    }

    /// This binary as the bare actix-web hello server.
    pub fn hello(pin_cpu: Option<usize>) -> Server {
        let port = free_port();
        let exe = std::env::current_exe().expect("the bench binary's path");
        let mut command = pinned(exe.to_str().expect("a UTF-8 path"), pin_cpu);
        command.args([crate::hello::FLAG, &port.to_string()]);
        command.stderr(Stdio::inherit());
        Server::spawn(command, port)
    }

    fn spawn(mut command: Command, port: u16) -> Server {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("the server starts");
        wait_until_up(port);
        let peak_rss_kib = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        watch_rss(child.id(), peak_rss_kib.clone(), stop.clone());
        Server {
            child,
            port,
            peak_rss_kib,
            stop,
        }
    }

    /// The highest RSS seen since the last call, in MiB.
    pub fn take_peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib.swap(0, Ordering::Relaxed) as f64 / 1024.0
    }

    /// CPU time the server has used so far (all threads, user + system), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at ") ".
        let after_name = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: f64 = [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
            .sum();
        ticks / clock_ticks_per_second()
    }

    pub fn current_rss_mib(&self) -> f64 {
        rss_kib(self.child.id()).unwrap_or(0) as f64 / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pinned(binary: &str, pin_cpu: Option<usize>) -> Command {
    match pin_cpu {
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command.args(["-c", &cpu.to_string(), binary]);
            command
        }
        None => Command::new(binary),
    }
}

fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("latchkey did not start listening on port {port}");
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn watch_rss(pid: u32, peak: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if let Some(kib) = rss_kib(pid) {
                peak.fetch_max(kib, Ordering::Relaxed);
            }
            thread::sleep(Duration::from_millis(20));
        }
    });
}

#[allow(unsafe_code)] // the libc call below, with its SAFETY note
fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}
