//! The request log of the real binary: one line per request with method, route template, status,
//! latency and request id (also sent as `X-Request-Id`), human or JSON, and never a password, token
//! or cookie value.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Response;

use crate::helpers::{login_from, Login, ADMIN_PASSWORD};

const NEW_PASSWORD: &str = "a-brand-new-password-9";
const WRONG_PASSWORD: &str = "guessed-wrong-password-7";

/// `latchkey serve` at info level with its stderr in a file; killed on drop.
pub struct LoggedServer {
    pub child: Child,
    log: PathBuf,
    address: String,
    pub client: reqwest::Client,
}

impl LoggedServer {
    pub async fn start(dir: &Path, flags: &[&str]) -> LoggedServer {
        let log = dir.join("stderr.log");
        let child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("--db")
            .arg(dir.join("latchkey.db"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(flags)
            .env("LATCHKEY_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .env_remove("LATCHKEY_LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("the binary starts");
        let mut server = LoggedServer {
            child,
            log,
            address: String::new(),
            client: reqwest::Client::new(),
        };
        server.address = server.wait_for_address().await;
        server
    }

    /// The port is 0, so the address is read from the "listening" line.
    async fn wait_for_address(&mut self) -> String {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
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

    /// Stops the server as systemd does (SIGTERM), so every line is written.
    #[allow(unsafe_code)] // the libc call below, with its SAFETY note
    pub fn stop(&mut self) -> String {
        // SAFETY: kill only sends a signal to the child this test started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit after SIGTERM: {status}");
        self.log()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    async fn login(&self, password: &str) -> Response {
        let form = [("username", "admin"), ("password", password)];
        let request = self.client.post(self.url("/user/token")).form(&form);
        request.send().await.unwrap()
    }

    async fn with_cookie(&self, path: &str, cookie: &str) -> Response {
        let request = self.client.post(self.url(path));
        let request = request.header("Cookie", format!("refresh_token={cookie}"));
        request.send().await.unwrap()
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run sent: every secret that crossed the wire, and the request id
/// of each response in order.
#[derive(Default)]
struct Run {
    secrets: Vec<String>,
    ids: Vec<String>,
}

impl Run {
    /// Notes the response's request id and checks its status.
    fn keep(&mut self, response: &Response, status: u16) {
        assert_eq!(response.status(), status);
        let id = response.headers()["x-request-id"].to_str().unwrap();
        self.ids.push(id.to_string());
    }

    fn secrets_of(&mut self, login: &Login) {
        self.secrets.push(login.access_token.clone());
        self.secrets.push(login.cookie.clone());
    }
}

/// Login, me, refresh and a wrong password; returns the refreshed login.
async fn sign_in(server: &LoggedServer, run: &mut Run) -> Login {
    let response = server.login(ADMIN_PASSWORD).await;
    run.keep(&response, 200);
    let first = login_from(response).await;
    let me = server.client.get(server.url("/user/me"));
    run.keep(
        &me.bearer_auth(&first.access_token).send().await.unwrap(),
        200,
    );
    let response = server
        .with_cookie("/user/refresh-token", &first.cookie)
        .await;
    run.keep(&response, 200);
    let refreshed = login_from(response).await;
    run.keep(&server.login(WRONG_PASSWORD).await, 401);
    run.secrets_of(&first);
    run.secrets_of(&refreshed);
    refreshed
}

/// Password change, logout, login with the new password, logout-all.
async fn change_password(server: &LoggedServer, run: &mut Run, login: &Login) {
    let body = serde_json::json!({
        "current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD
    });
    let change = server.client.post(server.url("/user/password"));
    let change = change.bearer_auth(&login.access_token).json(&body);
    run.keep(&change.send().await.unwrap(), 204);
    run.keep(
        &server.with_cookie("/user/logout", &login.cookie).await,
        204,
    );
    let response = server.login(NEW_PASSWORD).await;
    run.keep(&response, 200);
    let last = login_from(response).await;
    let all = server.client.post(server.url("/user/logout-all"));
    run.keep(
        &all.bearer_auth(&last.access_token).send().await.unwrap(),
        204,
    );
    run.secrets_of(&last);
}

/// The whole run: secrets (passwords, tokens, cookie values) and request ids.
async fn full_run(server: &LoggedServer) -> (Vec<String>, Vec<String>) {
    let passwords = [ADMIN_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD];
    let mut run = Run {
        secrets: passwords.map(String::from).to_vec(),
        ids: Vec::new(),
    };
    let login = sign_in(server, &mut run).await;
    change_password(server, &mut run, &login).await;
    (run.secrets, run.ids)
}

fn assert_no_secret(log: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret is in the log:\n{log}"
        );
    }
    assert!(
        !log.contains("Bearer "),
        "an Authorization header is in the log"
    );
    assert!(!log.contains("refresh_token="), "a cookie is in the log");
}

#[tokio::test]
async fn the_log_of_a_full_session_has_a_line_per_request_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LoggedServer::start(dir.path(), &[]).await;

    let (secrets, ids) = full_run(&server).await;

    let log = server.stop();
    assert_no_secret(&log, &secrets);
    for id in &ids {
        let line = log
            .lines()
            .find(|line| line.contains(&format!("request_id={id}")))
            .unwrap_or_else(|| panic!("no line for request {id} in\n{log}"));
        for field in ["method=", "route=", "status=", "latency_ms="] {
            assert!(line.contains(field), "{field} missing: {line}");
        }
    }
    let token_line = log
        .lines()
        .find(|line| line.contains(&format!("request_id={}", ids[0])))
        .unwrap();
    assert!(token_line.contains("method=POST"), "{token_line}");
    assert!(token_line.contains("\"/user/token\""), "{token_line}");
    assert!(token_line.contains("status=200"), "{token_line}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LoggedServer::start(dir.path(), &["--log-format", "json"]).await;

    let (secrets, ids) = full_run(&server).await;

    let log = server.stop();
    assert_no_secret(&log, &secrets);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let wrong_password = lines
        .iter()
        .find(|line| line["request_id"] == ids[3].as_str())
        .expect("a line for the failed login");
    assert_eq!(wrong_password["method"], "POST");
    assert_eq!(wrong_password["route"], "/user/token");
    assert_eq!(wrong_password["status"], 401);
    assert!(wrong_password["latency_ms"].as_f64().unwrap() > 0.0);
    let requests = lines.iter().filter(|line| line["message"] == "request");
    assert_eq!(requests.count(), 8, "one line per request of the run");
}

#[tokio::test]
async fn a_proxys_request_id_is_kept_and_a_bad_one_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = LoggedServer::start(dir.path(), &[]).await;

    let given = server.client.get(server.url("/healthz"));
    let given = given
        .header("X-Request-Id", "nginx-3f2a9c1e")
        .send()
        .await
        .unwrap();
    let bad = server.client.get(server.url("/healthz"));
    let bad = bad
        .header("X-Request-Id", "has spaces; and=more")
        .send()
        .await
        .unwrap();

    assert_eq!(given.headers()["x-request-id"], "nginx-3f2a9c1e");
    let replaced = bad.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(replaced.len(), 16, "a fresh id: {replaced}");
    assert!(server.stop().contains("request_id=nginx-3f2a9c1e"));
}
