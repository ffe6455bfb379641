//! The SQLite store: an r2d2 pool of WAL connections; the schema comes from `schema.sql`, versioned
//! with `PRAGMA user_version`.

mod admin;
mod audit;
mod errors;
mod export;
mod inspect;
pub mod maintenance;
mod mfa;
mod name_keys;
mod passkeys;
mod portal;
mod rows;
mod schema;
mod session_tx;
mod sessions;
mod signing_keys;
mod snapshot;
mod users;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::{HealthStore, OpenError, StoreError, StoreResult};

pub use export::SqliteExport;
use schema::{migrate, SCHEMA_VERSION};
/// How long any connection waits for a lock held by another before it answers busy.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

type Conn = PooledConnection<SqliteConnectionManager>;

#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool<SqliteConnectionManager>,
    /// Hot writes (rotations, new sessions) go through one group-committing thread.
    writer: writer::Writer,
    /// Tells this store's pinned read connection (`snapshot`) from another's.
    identity: Arc<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path, max_connections: u32) -> Result<SqliteStore, OpenError> {
        SqliteStore::open_capped(path, max_connections, None)
    }

    /// `open`, with every connection limited to `max_pages` pages when set:
    /// for tests only, which need a full database without a full disk.
    pub fn open_capped(
        path: &Path,
        max_connections: u32,
        max_pages: Option<u32>,
    ) -> Result<SqliteStore, OpenError> {
        prepare(path)?;
        let init = move |conn: &mut Connection| configure(conn, max_pages);
        let manager = SqliteConnectionManager::file(path)
            .with_flags(EXISTING_FILE)
            .with_init(init);
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(3))
            // A checkout that runs `SELECT 1` costs more than the query it serves.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|source| OpenError::Pool {
                path: path.into(),
                source,
            })?;
        let open = || {
            open_waiting(path)
                .and_then(|mut conn| init(&mut conn).map(|()| conn))
                .map_err(|source| OpenError::Connect {
                    path: path.into(),
                    source,
                })
        };
        let writer = writer::Writer::start(open()?, open()?)?;
        Ok(SqliteStore {
            pool,
            writer,
            identity: Arc::new(()),
        })
    }

    fn conn(&self) -> StoreResult<Conn> {
        self.pool.get().map_err(|_| StoreError::Busy)
    }

    /// Folds the WAL back into the database file (on shutdown).
    pub fn checkpoint(&self) -> StoreResult<()> {
        self.conn()?
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(StoreError::from)
    }
}

/// Makes the file if there is none (its directory must exist) and brings its
/// schema up to date on a connection of its own.
fn prepare(path: &Path) -> Result<(), OpenError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(OpenError::NoDirectory(dir.into()));
        }
    }
    if !path.exists() {
        maintenance::create_private(path, false).map_err(|source| OpenError::Create {
            path: path.into(),
            source,
        })?;
    }
    let mut first = open_waiting(path).map_err(|source| OpenError::Open {
        path: path.into(),
        source,
    })?;
    migrate(&mut first).map_err(|source| OpenError::Schema {
        path: path.into(),
        source,
    })
}

/// Every connection opens the file `open_capped` made (owner-only) and never
/// creates one: a database moved or deleted under a running server is an
/// error to see, not an empty database made in its place.
const EXISTING_FILE: OpenFlags = OpenFlags::SQLITE_OPEN_READ_WRITE
    .union(OpenFlags::SQLITE_OPEN_URI)
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX);

/// Opens a connection that waits for locks from its very first statement: a
/// lock held by the server at that instant (a batch, a checkpoint) is waited
/// out, never reported as "database is locked" at once.
pub(crate) fn open_waiting(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, EXISTING_FILE)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Every connection: wait for locks before anything else, enforce foreign
/// keys, fsync only at checkpoints (WAL keeps commits safe from a crash of
/// the process), and read through mmap so a large database costs no syscalls.
fn configure(conn: &mut Connection, max_pages: Option<u32>) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 1073741824;",
    )?;
    match max_pages {
        Some(pages) => conn.pragma_update(None, "max_page_count", pages),
        None => Ok(()),
    }
}

/// "Answers and can be written": a row that needs a fresh page, rolled back,
/// so a full disk shows here before a login finds it.
fn ping_write(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO audit_events (at, event, reason) VALUES (0, 'healthz', zeroblob(8192))",
        [],
    )?;
    Ok(tx.rollback()?)
}

impl HealthStore for SqliteStore {
    fn ping(&self) -> StoreResult<()> {
        ping_write(&mut *self.conn()?)
    }
}
