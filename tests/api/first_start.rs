//! First start: the generated admin password stays out of a log that is not a terminal (a 0600 file
//! beside the database, gone at the admin's first password change), and is printed once on a
//! terminal.

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

const PASSWORD_FILE: &str = "latchkey.bootstrap-password";

/// `latchkey serve` with standard error in a file (not a terminal); killed on drop.
struct FirstStart {
    child: Child,
    log: PathBuf,
    address: String,
}

impl FirstStart {
    async fn run(dir: &Path, preset: Option<&str>) -> FirstStart {
        let log = dir.join("stderr.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
        command
            .arg("--db")
            .arg(dir.join("latchkey.db"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .env_remove("LATCHKEY_BOOTSTRAP_PASSWORD")
            .env_remove("LATCHKEY_SECRET")
            .env_remove("LATCHKEY_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap());
        if let Some(preset) = preset {
            command.env("LATCHKEY_BOOTSTRAP_PASSWORD", preset);
        }
        let child = command.spawn().expect("the binary starts");
        let mut server = FirstStart {
            child,
            log,
            address: String::new(),
        };
        server.address = server.wait_for_address().await;
        server
    }

    async fn wait_for_address(&mut self) -> String {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let log = self.log();
            if let Some(rest) = log.split("listening on http://").nth(1) {
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ':'));
                return format!("http://{}", &rest[..end.unwrap_or(rest.len())]);
            }
            assert!(self.child.try_wait().unwrap().is_none(), "exited:\n{log}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no listening line in:\n{}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for FirstStart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(address: &str, password: &str) -> Login {
    let form = [("username", "admin"), ("password", password)];
    let client = reqwest::Client::new();
    let response = client.post(format!("{address}/user/token")).form(&form);
    login_from(response.send().await.unwrap()).await
}

#[tokio::test]
async fn a_generated_admin_password_goes_to_a_0600_file_and_never_into_a_log_that_is_not_a_terminal(
) {
    let dir = tempfile::tempdir().unwrap();
    let server = FirstStart::run(dir.path(), None).await;
    let file = dir.path().join(PASSWORD_FILE);

    let password = std::fs::read_to_string(&file).expect("the password file exists");
    let password = password.trim_end();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let log = server.log();
    assert!(
        !log.contains(password),
        "the password is in the log:\n{log}"
    );
    assert!(log.contains(&file.display().to_string()), "{log}");

    let admin = login(&server.address, password).await;
    let change = reqwest::Client::new()
        .post(format!("{}/user/password", server.address))
        .bearer_auth(&admin.access_token)
        .json(&json!({"current_password": password, "new_password": "a-new-admin-password"}));
    assert_eq!(change.send().await.unwrap().status(), 204);
    assert!(!file.exists(), "the file outlives the password in it");
}

#[tokio::test]
async fn a_preset_admin_password_writes_no_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = FirstStart::run(dir.path(), Some("preset-password-1")).await;

    login(&server.address, "preset-password-1").await;
    assert!(!dir.path().join(PASSWORD_FILE).exists());
    assert!(!server.log().contains("preset-password-1"));
}

#[tokio::test]
async fn setting_the_admin_password_from_the_cli_or_the_admin_api_deletes_the_password_file() {
    let app = spawn_sqlite_app().await;
    let file = app.dir.path().join(PASSWORD_FILE);
    app.add_user("bob", "bob-password", false);

    std::fs::write(&file, "old\n").unwrap();
    let bob = app.cli(
        &["user", "passwd", "bob", "--password-stdin"],
        "bob-password-2\n",
    );
    assert!(bob.status.success());
    assert!(file.exists(), "another user's password change keeps it");
    let admin = app.cli(
        &["user", "passwd", "admin", "--password-stdin"],
        "admin-password-2\n",
    );
    assert!(admin.status.success());
    assert!(!file.exists(), "latchkey user passwd admin deletes it");

    std::fs::write(&file, "old\n").unwrap();
    let token = app.login_ok("admin", "admin-password-2").await.access_token;
    let patch = app
        .client
        .patch(app.url("/admin/users/admin"))
        .bearer_auth(&token);
    let response = patch
        .json(&json!({"password": "admin-password-3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(!file.exists(), "the admin API's password change deletes it");
}

#[test]
fn on_a_terminal_the_generated_password_is_printed_once_and_no_file_is_written() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("terminal.out");
    // `script` gives the server a pseudo-terminal as standard error; `timeout`
    // bounds it even if the Ctrl-C below never arrives.
    let serve = format!(
        "timeout 60 {} --db {} serve --bind 127.0.0.1:0",
        env!("CARGO_BIN_EXE_latchkey"),
        dir.path().join("latchkey.db").display()
    );
    let mut child = Command::new("script")
        .args(["-qefc", &serve, "/dev/null"])
        .env_remove("LATCHKEY_BOOTSTRAP_PASSWORD")
        .env_remove("LATCHKEY_SECRET")
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("script (util-linux) runs");
    let started = Instant::now();
    let shown = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.contains("listening on") || started.elapsed() > Duration::from_secs(30) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.stdin.take().unwrap().write_all(b"\x03");
    let _ = child.wait();

    assert!(
        shown.contains("created the admin user `admin` with password "),
        "{shown}"
    );
    assert!(!dir.path().join(PASSWORD_FILE).exists());
}
