//! The PostgreSQL store, for many instances on one database: an r2d2 pool of blocking `postgres`
//! clients (the same blocking lanes as SQLite), the schema from `schema.postgres.sql` applied under
//! an advisory lock, and the signing secret's fingerprint checked at open.

mod admin;
mod advance;
mod audit;
mod batch;
mod errors;
pub mod import;
mod inspect;
mod mfa;
mod passkeys;
mod portal;
mod rows;
mod schema;
mod session_tx;
mod sessions;
mod signing_keys;
mod throttle;
mod tls;
mod users;
mod writer;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use postgres::{Client, Statement};
use r2d2::{ManageConnection, Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{HealthStore, OpenError, StoreError, StoreResult};

pub use inspect::{inspect, Found};
pub use schema::{OTHER_SECRET, SCHEMA_VERSION};
pub use writer::THREADS as WRITER_THREADS;

type Conn = PooledConnection<Manager>;

/// How long a statement waits for a row lock held by another before it
/// answers busy, as SQLite's busy timeout does.
const LOCK_TIMEOUT: &str = "5s";

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool<Manager>,
    /// Refresh-rule work, each job in its own transaction on one of a few
    /// threads (see `writer`).
    writer: writer::Writer,
}

/// What the instances must agree on, checked when the store opens.
pub struct Agreement<'a> {
    /// HMAC of a fixed label under the signing secret (never the secret);
    /// `None` for the CLI commands that sign nothing.
    pub secret_fingerprint: Option<&'a [u8]>,
}

impl PostgresStore {
    /// Connects, applies the schema (waiting for another instance doing
    /// the same) and checks the secret's fingerprint. `url` is never shown:
    /// it may hold a password.
    pub fn open(
        url: &str,
        max_connections: u32,
        agreement: Agreement,
    ) -> Result<PostgresStore, OpenError> {
        let config = postgres::Config::from_str(url).map_err(OpenError::InvalidUrl)?;
        let manager = Manager(PostgresConnectionManager::new(
            config.clone(),
            tls::connector()?,
        ));
        let mut first =
            config
                .connect(tls::connector()?)
                .map_err(|source| OpenError::Unreachable {
                    at: describe(&config),
                    source,
                })?;
        schema::migrate(&mut first, agreement.secret_fingerprint)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(3))
            .test_on_check_out(false)
            .build(manager)
            .map_err(|source| OpenError::PostgresPool {
                at: describe(&config),
                source,
            })?;
        let writer = writer::Writer::start(pool.clone())?;
        Ok(PostgresStore { pool, writer })
    }

    fn conn(&self) -> StoreResult<Conn> {
        self.pool.get().map_err(|_| StoreError::Busy)
    }

    /// Runs `work` in one transaction on a pooled connection.
    fn in_transaction<T>(
        &self,
        work: impl FnOnce(&mut postgres::Transaction) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.conn()?;
        let mut tx = conn.client.transaction()?;
        let out = work(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Where the URL points, without its password (for messages and logs).
pub fn describe(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("(default)");
    format!("{host}:{port}/{db}")
}

/// A client and its prepared statements: a statement sent by text costs a
/// second round trip on every use, so the hot ones are prepared once per
/// connection.
pub(super) struct Connection {
    pub(super) client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Connection {
    pub(super) fn prepared(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// r2d2's PostgreSQL manager, making `Connection`s that wait at most
/// `LOCK_TIMEOUT` for a lock.
pub(super) struct Manager(PostgresConnectionManager<MakeRustlsConnect>);

impl ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        let mut client = self.0.connect()?;
        client.batch_execute(&format!("SET lock_timeout = '{LOCK_TIMEOUT}'"))?;
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.client.is_closed()
    }
}

impl HealthStore for PostgresStore {
    fn ping(&self) -> StoreResult<()> {
        self.conn()?.client.batch_execute("SELECT 1")?;
        Ok(())
    }
}

/// Takes the advisory lock of one kind of background clean-up for this
/// transaction, if no other instance holds it: false means another
/// instance is doing that clean-up now.
pub(super) fn sweep_lock(tx: &mut postgres::Transaction, what: &str) -> StoreResult<bool> {
    let row = tx.query_one(
        "SELECT pg_try_advisory_xact_lock($1, hashtext($2))",
        &[&schema::LOCK_SPACE, &what],
    )?;
    rows::column(&row, 0)
}
