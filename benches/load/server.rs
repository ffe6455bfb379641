//! Starts the latchkey binary under test (pinned to one CPU when asked) and watches its memory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "bench-admin-password";

pub struct Server {
    child: Child,
    pub port: u16,
    peak_rss_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(db: &Path, pin_cpu: Option<usize>) -> Server {
        let port = free_port();
        let binary = env!("CARGO_BIN_EXE_latchkey");
        let mut command = match pin_cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &cpu.to_string(), binary]);
                c
            }
            None => Command::new(binary),
        };
        command
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .args([
                "--login-max-failures",
                "1000000",
                "--login-max-failures-per-address",
                "1000000",
            ])
            .env("LATCHKEY_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().expect("the latchkey binary starts");
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}
