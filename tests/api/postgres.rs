//! A fresh PostgreSQL database per test, on the server `LATCHKEY_TEST_POSTGRES` names
//! (`scripts/test` starts a throwaway one through `scripts/with-postgres`); dropped with the value.

use std::sync::OnceLock;

use latchkey::blocking::off_runtime;
use latchkey::store::Database;

use crate::helpers::{AppDatabase, TestApp};

pub const SERVER_VARIABLE: &str = "LATCHKEY_TEST_POSTGRES";

/// Set to 1 by `scripts/with-postgres` when the server is its own throwaway cluster: then
/// the apps' databases are copies of a template with the schema applied, which is left for
/// the cluster's removal. On a server someone named, nothing is left behind: no template.
pub const THROWAWAY_VARIABLE: &str = "LATCHKEY_TEST_POSTGRES_THROWAWAY";

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
    /// An empty database: for tests of what latchkey does on one (creating or upgrading the
    /// schema, migrate, the CLI).
    pub fn create() -> TestDatabase {
        TestDatabase::create_from(None)
    }

    /// A database an app is about to open: on a throwaway cluster, a copy of a template that
    /// already has the current schema (and no secret's fingerprint, which the app records as on
    /// an empty one), so each test skips applying the schema (~0.2 s of the PostgreSQL pass's
    /// every test); elsewhere an empty one, on which the app applies it.
    pub fn create_for_app() -> TestDatabase {
        TestDatabase::create_from(schema_template())
    }

    fn create_from(template: Option<&str>) -> TestDatabase {
        let server = server_url();
        let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
        let url = database_url(&server, &name);
        match template {
            Some(template) => run_sql(
                &server,
                &format!("CREATE DATABASE {name} TEMPLATE {template}"),
            ),
            None => run_sql(&server, &format!("CREATE DATABASE {name}")),
        }
        TestDatabase { url, name, server }
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

fn database_url(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("LATCHKEY_TEST_POSTGRES is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The template's name on a throwaway cluster, made once per test process: a database on which
/// latchkey's own store applied the schema, then closed to connections (a template must have
/// none while it is copied).
fn schema_template() -> Option<&'static str> {
    static TEMPLATE: OnceLock<Option<String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            if std::env::var(THROWAWAY_VARIABLE).as_deref() != Ok("1") {
                return None;
            }
            let server = server_url();
            let name = format!("latchkey_template_{}", uuid::Uuid::new_v4().simple());
            run_sql(&server, &format!("CREATE DATABASE {name}"));
            let database = Database::from_arg(database_url(&server, &name).into());
            off_runtime(move || drop(database.open(1, None).expect("the schema applies")));
            run_sql(
                &server,
                &format!(
                    "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false; \
                     SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ),
            );
            Some(name)
        })
        .as_deref()
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
