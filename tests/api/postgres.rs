//! A fresh PostgreSQL database per test, on the server `LATCHKEY_TEST_POSTGRES` names
//! (`scripts/test` starts a throwaway one through `scripts/with-postgres`); dropped with the value.

use latchkey::blocking::off_runtime;

use crate::helpers::{AppDatabase, TestApp};

pub const SERVER_VARIABLE: &str = "LATCHKEY_TEST_POSTGRES";

pub struct TestDatabase {
    /// The new database's URL, for `--db`.
    pub url: String,
    name: String,
    server: String,
}

/// The server's URL; a test that needs PostgreSQL fails without one, saying how to get it.
pub fn server_url() -> String {
    std::env::var(SERVER_VARIABLE)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "this test needs PostgreSQL: run it through scripts/test (or scripts/with-postgres cargo test), \
                 or set {SERVER_VARIABLE}=postgres://user@host:port/db"
            )
        })
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let server = server_url();
        let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
        let mut url = url::Url::parse(&server).expect("LATCHKEY_TEST_POSTGRES is a URL");
        url.set_path(&format!("/{name}"));
        run_sql(&server, &format!("CREATE DATABASE {name}"));
        TestDatabase {
            url: url.to_string(),
            name,
            server,
        }
    }

    /// Runs statements on this database (for tests that look at what was stored).
    pub fn execute(&self, sql: &str) {
        run_sql(&self.url, sql);
    }

    /// The first column of the first row of `sql`, as text.
    pub fn query_text(&self, sql: &str) -> Option<String> {
        let (url, sql) = (self.url.clone(), sql.to_string());
        off_runtime(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connects");
            client
                .query_opt(&format!("SELECT ({sql})::text"), &[])
                .expect("query runs")
                .and_then(|row| row.get::<_, Option<String>>(0))
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        run_sql(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn run_sql(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    off_runtime(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {SERVER_VARIABLE}: {e}"));
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    });
}

/// One instance of many: the app on the PostgreSQL database at `url`, with
/// the signing secret `secret` (hex) and extra `serve` flags.
pub async fn spawn_instance(url: &str, secret: &str, flags: &[&str]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::helpers::spawn_on(AppDatabase::on_postgres(url, secret), dir, flags)
}

/// A fresh random signing secret, as hex.
pub fn new_secret() -> String {
    (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// Runs the real binary with `args` and only the environment in `env`
/// (besides the inherited one, minus latchkey's own variables).
pub fn latchkey(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args(args)
        .env_remove("LATCHKEY_DB")
        .env_remove("LATCHKEY_SECRET")
        .env_remove("LATCHKEY_SECRET_FILE")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs")
}
