//! The real `latchkey` binary as a child process on a free port, for tests that kill, signal or
//! measure it; the guard kills it on every path.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::free_port::free_port;
use latchkey::auth::password;
use latchkey::domain::NewPassword;
use latchkey::store::{NewUser, SqliteStore, UserStore};

pub const BOOTSTRAP_PASSWORD: &str = "admin-password-1";

/// A running server; dropping it kills the process (SIGKILL) and reaps it.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `latchkey serve` on `db` and waits until `/healthz` answers.
    pub async fn start(db: &Path, flags: &[&str]) -> ServerProcess {
        let launch = Launch {
            db: db.as_os_str(),
            log_base: db,
            env: &[],
        };
        ServerProcess::launch(&launch, flags).await
    }

    /// Starts `latchkey serve` as `launch` says and waits until `/healthz` answers.
    pub async fn launch(launch: &Launch<'_>, flags: &[&str]) -> ServerProcess {
        // A port picked this way can be taken before the child binds it:
        // then the child exits at once and another port is tried.
        for _ in 0..5 {
            let port = free_port();
            let mut server = spawn(launch, port, flags);
            if server.wait_until_healthy().await {
                return server;
            }
        }
        panic!(
            "the server did not start; see the log beside {}",
            launch.log_base.display()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no shutdown code runs.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by name, e.g. `TERM`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIG{name} was delivered");
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("child status").is_none()
    }

    /// The exit status, or `None` if the process is still running after `limit`.
    pub async fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status is readable");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_until_healthy(&mut self) -> bool {
        // No idle keep-alive connection may outlive a check: it would hold
        // up a graceful shutdown.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if !self.is_running() {
                return false;
            }
            if let Ok(response) = client.get(self.url("/healthz")).send().await {
                if response.status() == 200 {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How to start a server: its `--db`, where its log goes (`log_base`
/// with the port as extension), and extra environment.
pub struct Launch<'a> {
    pub db: &'a OsStr,
    pub log_base: &'a Path,
    pub env: &'a [(&'a str, &'a str)],
}

fn spawn(launch: &Launch, port: u16, flags: &[&str]) -> ServerProcess {
    let log = launch.log_base.with_extension(format!("{port}.log"));
    let child = under_common_umask(&mut Command::new(env!("CARGO_BIN_EXE_latchkey")))
        .arg("--db")
        .arg(launch.db)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("LATCHKEY_BOOTSTRAP_PASSWORD", BOOTSTRAP_PASSWORD)
        .env("RUST_LOG", "warn")
        .envs(launch.env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log).expect("log file"))
        .spawn()
        .expect("the latchkey binary starts");
    ServerProcess { child, port, log }
}

/// The child runs under umask 022, as most installs do, whatever the test
/// runner's umask: file modes are then checked as users would see them.
#[allow(unsafe_code)] // the libc call below, with its SAFETY note
pub fn under_common_umask(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: umask is async-signal-safe and touches nothing else.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        })
    }
}

/// Creates the database with these users, all with one password (one hash).
pub fn seed_users(db: &Path, usernames: &[String], password: &str) {
    let store = SqliteStore::open(db, 1).expect("store opens");
    let hash = password::hash(&NewPassword::parse(password).unwrap()).unwrap();
    for username in usernames {
        let user = NewUser {
            username: username.clone(),
            password_hash: hash.clone(),
            ..NewUser::default()
        };
        store
            .insert_user(&user, latchkey::clock::now_ms())
            .expect("user added");
    }
}

pub fn integrity_check(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

/// A client that sends the refresh cookie by hand, as the helpers do.
pub async fn refresh(
    client: &reqwest::Client,
    url: String,
    cookie: &str,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .header("Cookie", format!("refresh_token={cookie}"))
        .send()
        .await
}
