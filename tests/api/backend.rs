//! Which database the apps under test run on: SQLite unless `LATCHKEY_TEST_BACKEND=postgres`, so
//! one suite covers both; tests about SQLite itself ask for it by name and run on it in either run.
//! Tests reach the database through `TestApp`'s methods here, which work on either.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use latchkey::blocking::off_runtime;
use latchkey::store::{Database, Opened, Store, User};
use rand::RngCore;
use secrecy::ExposeSecret;

use crate::helpers::TestApp;
use crate::postgres::TestDatabase;

pub const BACKEND_VARIABLE: &str = "LATCHKEY_TEST_BACKEND";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The run's backend; an unknown name is a mistake, not a silent SQLite run.
    pub fn of_run() -> Backend {
        match std::env::var(BACKEND_VARIABLE).as_deref() {
            Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
            Ok("postgres") => Backend::Postgres,
            Ok(other) => panic!("{BACKEND_VARIABLE}={other}: expected sqlite or postgres"),
        }
    }
}

/// An app's database, and what it needs to run on it: PostgreSQL takes an
/// inline signing secret (every instance must share one) and a database of
/// its own, dropped with the last app on it.
#[derive(Clone)]
pub struct AppDatabase {
    pub database: Database,
    /// Hex `LATCHKEY_SECRET`; `None` on SQLite, whose key is the file beside it.
    pub secret: Option<String>,
    /// Declared before the database: its connections close before it is dropped.
    store: Arc<StoreSlot>,
    pub postgres: Option<Arc<TestDatabase>>,
}

/// PostgreSQL's store for the tests' own reads, opened once per app
/// database: each open applies the schema under a lock, which a test reading
/// in a loop would pay every time. Dropped off the runtime, as its clients block.
#[derive(Default)]
struct StoreSlot(Mutex<Option<Opened>>);

impl Drop for StoreSlot {
    fn drop(&mut self) {
        if let Some(opened) = self.0.get_mut().map_or(None, Option::take) {
            off_runtime(move || drop(opened));
        }
    }
}

impl AppDatabase {
    pub fn new(backend: Backend, dir: &Path) -> AppDatabase {
        match backend {
            Backend::Sqlite => AppDatabase {
                database: Database::Sqlite(dir.join("latchkey.db")),
                secret: None,
                store: Arc::default(),
                postgres: None,
            },
            Backend::Postgres => {
                let postgres = TestDatabase::create_for_app();
                AppDatabase {
                    database: Database::from_arg(postgres.url.clone().into()),
                    secret: Some(random_secret()),
                    store: Arc::default(),
                    postgres: Some(Arc::new(postgres)),
                }
            }
        }
    }

    /// A SQLite file started with the inline `secret` instead of the file beside it.
    pub fn sqlite_with_secret(path: PathBuf, secret: &str) -> AppDatabase {
        AppDatabase {
            database: Database::Sqlite(path),
            secret: Some(secret.into()),
            store: Arc::default(),
            postgres: None,
        }
    }

    /// One of several instances on a PostgreSQL database another value holds.
    pub fn on_postgres(url: &str, secret: &str) -> AppDatabase {
        AppDatabase {
            database: Database::from_arg(url.into()),
            secret: Some(secret.into()),
            store: Arc::default(),
            postgres: None,
        }
    }

    /// What `--db` says for it: the file's path or the URL.
    pub fn arg(&self) -> OsString {
        match &self.database {
            Database::Sqlite(path) => path.clone().into(),
            Database::Postgres(url) => url.expose_secret().into(),
        }
    }
}

impl AppDatabase {
    /// Runs `latchkey --db <this database> ARGS`, with the inline secret
    /// where there is one (PostgreSQL's keys commands need it).
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        crate::operator::run_cli_with(self.arg(), self.secret.as_deref(), args, stdin)
    }
}

/// 32 random bytes in hex, as `openssl rand -hex 32` makes them.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl TestApp {
    /// Runs `work` on a store over the app's database, off the test's
    /// runtime (the PostgreSQL client refuses to block on it). SQLite's is
    /// opened anew each time, so no test holds a connection to its file.
    pub fn with_store<T: Send>(&self, work: impl FnOnce(&dyn Store) -> T + Send) -> T {
        let database = self.config.db.clone();
        let slot = &self.database.store;
        off_runtime(move || {
            let store = match database {
                Database::Sqlite(_) => database.open(2, None).expect("store opens").shared(),
                Database::Postgres(_) => {
                    let mut opened = slot.0.lock().unwrap();
                    let opened =
                        opened.get_or_insert_with(|| database.open(2, None).expect("store opens"));
                    opened.shared()
                }
            };
            work(&*store)
        })
    }

    /// The user of that name, as stored.
    pub fn user(&self, username: &str) -> Option<User> {
        self.with_store(|store| store.user_by_name(username))
            .expect("user lookup")
    }

    /// The SQLite file; only for tests spawned with `spawn_sqlite_app*`.
    pub fn db_path(&self) -> PathBuf {
        match self.config.db.sqlite_path() {
            Some(path) => path.to_path_buf(),
            None => panic!("a SQLite-only test: spawn it with spawn_sqlite_app"),
        }
    }

    /// A raw connection, for asserting what is really in a SQLite database.
    pub fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.db_path()).expect("db opens");
        // The server may hold a lock at this instant: wait as its own connections do.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .expect("busy timeout set");
        conn
    }

    /// The integer `sql` (SQL both databases speak) selects, on the app's database.
    pub fn query_i64(&self, sql: &str) -> i64 {
        match &self.database.postgres {
            Some(postgres) => postgres.query_text(sql).expect("a value").parse().unwrap(),
            None => self
                .db()
                .query_row(sql, [], |r| r.get(0))
                .expect("query runs"),
        }
    }

    /// Runs `sql` (SQL both databases speak) on the app's database.
    pub fn execute(&self, sql: &str) {
        match &self.database.postgres {
            Some(postgres) => postgres.execute(sql),
            None => self.db().execute_batch(sql).expect("statement runs"),
        }
    }

    /// The HS256 signing key: the file SQLite keeps beside its database, or
    /// the inline secret PostgreSQL apps are given.
    pub fn signing_key(&self) -> Vec<u8> {
        let text = match &self.database.secret {
            Some(secret) => secret.clone(),
            None => std::fs::read_to_string(self.dir.path().join("latchkey.secret")).unwrap(),
        };
        hex::decode(text.trim()).unwrap()
    }

    /// Runs `latchkey --db <the app's database> ARGS`, with the app's
    /// secret where it has an inline one (PostgreSQL's keys commands need it).
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        self.database.cli(args, stdin)
    }
}
