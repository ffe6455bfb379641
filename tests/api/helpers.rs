//! The test harness: a real server on port 0 over a database of the run's backend (see `backend`),
//! and a client that speaks HTTP to it.

use latchkey::auth::password;
use latchkey::config::{Config, ServeArgs};
use latchkey::domain::NewPassword;
use latchkey::startup::Application;
use latchkey::store::{NewUser, User};
use reqwest::header::HeaderMap;
use reqwest::Response;
use tempfile::TempDir;

pub use crate::backend::AppDatabase;
pub use crate::backend::Backend;
pub use crate::operator::run_cli;

pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The `/metrics` listener's port, with `--metrics-bind`.
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub config: Config,
    pub database: AppDatabase,
    pub dir: TempDir,
}

/// A logged-in client: its access token and the refresh cookie value.
#[derive(Clone, Debug)]
pub struct Login {
    pub access_token: String,
    pub cookie: String,
    pub token_expiry: u64,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app on the run's backend with extra `serve` flags, e.g. `&["--access-ttl", "2s"]`.
pub async fn spawn_app_with(flags: &[&str]) -> TestApp {
    spawn_app_on(Backend::of_run(), flags).await
}

/// For tests about SQLite itself (its file, locks, upgrades): SQLite in either run.
pub async fn spawn_sqlite_app() -> TestApp {
    spawn_sqlite_app_with(&[]).await
}

pub async fn spawn_sqlite_app_with(flags: &[&str]) -> TestApp {
    spawn_app_on(Backend::Sqlite, flags).await
}

pub async fn spawn_app_on(backend: Backend, flags: &[&str]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = AppDatabase::new(backend, dir.path());
    spawn_on(database, dir, flags)
}

/// Starts the app on `database` with the test flags and `flags`.
pub fn spawn_on(database: AppDatabase, dir: TempDir, flags: &[&str]) -> TestApp {
    let config = Config::from_args(
        test_flags(flags),
        database.database.clone(),
        database.secret.clone(),
        Some(ADMIN_PASSWORD.into()),
    )
    .expect("valid config");
    start(config, dir, database)
}

/// The `serve` flags of every test app (port 0, a throttle tests do not
/// trip by accident), then `flags`, which may override them.
fn test_flags(flags: &[&str]) -> ServeArgs {
    let mut all_flags = vec![
        "--bind",
        "127.0.0.1:0",
        "--login-max-failures",
        "1000",
        "--login-max-failures-per-address",
        "1000",
    ];
    all_flags.extend_from_slice(flags);
    ServeArgs::from_flags(all_flags).expect("valid test flags")
}

/// Builds and runs the app of `config` on the current runtime.
fn start(config: Config, dir: TempDir, database: AppDatabase) -> TestApp {
    let app = Application::build(config.clone()).expect("app builds");
    let port = app.port();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        client,
        config,
        database,
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn add_user(&self, username: &str, password: &str, admin: bool) -> User {
        let hash = password::hash(&NewPassword::parse(password).unwrap()).unwrap();
        self.add_user_with_hash(username, &hash, admin)
    }

    pub fn add_user_with_hash(&self, username: &str, hash: &str, admin: bool) -> User {
        let user = NewUser {
            username: username.into(),
            password_hash: hash.into(),
            admin,
            email: Some(format!("{username}@example.com")),
            full_name: Some(format!("{username} Example")),
            ..NewUser::default()
        };
        self.with_store(|store| store.insert_user(&user, latchkey::clock::now_ms()))
            .expect("user added")
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/user/token"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("request sent")
    }

    /// Logs in and insists on success.
    pub async fn login_ok(&self, username: &str, password: &str) -> Login {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200, "login of {username} failed");
        login_from(response).await
    }

    pub async fn refresh(&self, cookie: &str) -> Response {
        self.client
            .post(self.url("/user/refresh-token"))
            .header("Cookie", format!("refresh_token={cookie}"))
            .send()
            .await
            .expect("request sent")
    }

    /// Refreshes and insists on success.
    pub async fn refresh_ok(&self, cookie: &str) -> Login {
        let response = self.refresh(cookie).await;
        assert_eq!(response.status(), 200, "refresh failed");
        login_from(response).await
    }

    pub async fn logout(&self, cookie: &str) -> Response {
        self.client
            .post(self.url("/user/logout"))
            .header("Cookie", format!("refresh_token={cookie}"))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get_with_token("/user/me", token).await
    }
}

/// Reads the token body and the refresh cookie of a 200 login or refresh.
pub async fn login_from(response: Response) -> Login {
    let cookie = set_cookie(response.headers())
        .expect("a Set-Cookie header")
        .value;
    let body: serde_json::Value = response.json().await.expect("json body");
    Login {
        access_token: body["access_token"].as_str().expect("access_token").into(),
        token_expiry: body["token_expiry"].as_u64().expect("token_expiry"),
        cookie,
    }
}

/// One parsed `Set-Cookie` header.
#[derive(Debug)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Attributes, names lower-cased, e.g. ("max-age", "604800"), ("httponly", "").
    pub attributes: Vec<(String, String)>,
}

impl SetCookie {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn set_cookie(headers: &HeaderMap) -> Option<SetCookie> {
    let raw = headers.get("set-cookie")?.to_str().ok()?;
    let mut parts = raw.split(';').map(str::trim);
    let (name, value) = parts.next()?.split_once('=')?;
    let attributes = parts
        .map(|part| match part.split_once('=') {
            Some((n, v)) => (n.to_ascii_lowercase(), v.to_string()),
            None => (part.to_ascii_lowercase(), String::new()),
        })
        .collect();
    Some(SetCookie {
        name: name.into(),
        value: value.into(),
        attributes,
    })
}

/// The JSON error body's `(detail, code)`.
pub async fn error_of(response: Response) -> (String, String) {
    let body: serde_json::Value = response.json().await.expect("json error body");
    (
        body["detail"].as_str().expect("detail is a string").into(),
        body["code"].as_str().expect("code is a string").into(),
    )
}

/// The (unverified) claims of a JWT, for looking at what was issued.
pub fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("json claims")
}
