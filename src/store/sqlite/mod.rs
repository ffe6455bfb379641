//! The SQLite store: an r2d2 pool of WAL connections; the schema comes from `schema.sql`, versioned with `PRAGMA user_version`.

mod admin;
mod audit;
mod errors;
pub mod maintenance;
mod mfa;
mod name_keys;
mod schema;
mod sessions;
mod signing_keys;
mod users;
mod writer;

use std::path::Path;
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};

use super::*;

use schema::{migrate, SCHEMA_VERSION};
/// How long any connection waits for a lock held by another before it answers busy.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

type Conn = PooledConnection<SqliteConnectionManager>;

#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool<SqliteConnectionManager>,
    /// Hot writes (rotations, new sessions) go through one group-committing thread.
    writer: writer::Writer,
}

impl SqliteStore {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path, max_connections: u32) -> Result<SqliteStore, String> {
        SqliteStore::open_capped(path, max_connections, None)
    }

    /// `open`, with every connection limited to `max_pages` pages when set:
    /// for tests only, which need a full database without a full disk.
    pub fn open_capped(
        path: &Path,
        max_connections: u32,
        max_pages: Option<u32>,
    ) -> Result<SqliteStore, String> {
        let shown = path.display();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "database directory {} does not exist; create it or pass --db",
                    dir.display()
                ));
            }
        }
        if !path.exists() {
            maintenance::create_private(path, false)
                .map_err(|e| format!("cannot create database {shown}: {e}"))?;
        }
        let mut first = open_waiting(path).map_err(|e| {
            format!("cannot open database {shown}: {e}; check the path and its permissions")
        })?;
        migrate(&mut first).map_err(|e| format!("database {shown}: {e}"))?;
        drop(first);
        let init = move |conn: &mut Connection| configure(conn, max_pages);
        let manager = SqliteConnectionManager::file(path).with_init(init);
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(3))
            // A checkout that runs `SELECT 1` costs more than the query it serves.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot open database {shown}: {e}"))?;
        let open = || {
            open_waiting(path)
                .and_then(|mut conn| init(&mut conn).map(|()| conn))
                .map_err(|e| format!("cannot open database {shown}: {e}"))
        };
        let writer = writer::Writer::start(open()?, open()?)?;
        Ok(SqliteStore { pool, writer })
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

/// Opens a connection that waits for locks from its very first statement: a
/// lock held by the server at that instant (a batch, a checkpoint) is waited
/// out, never reported as "database is locked" at once.
pub(crate) fn open_waiting(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
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

impl Store for SqliteStore {
    fn ping(&self) -> StoreResult<()> {
        ping_write(&mut *self.conn()?)
    }

    fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        users::by_name(&*self.conn()?, username)
    }

    fn name_collisions(&self) -> StoreResult<Vec<NameCollision>> {
        Ok(name_keys::collisions(&*self.conn()?)?)
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        users::list(&*self.conn()?)
    }

    fn has_enabled_admin(&self) -> StoreResult<bool> {
        users::has_enabled_admin(&*self.conn()?)
    }

    fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User> {
        users::insert(&*self.conn()?, user, now)
    }

    fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now: i64,
        end: EndSessions,
    ) -> StoreResult<()> {
        users::set_password_hash(&mut *self.conn()?, user_id, hash, now, end)
    }

    fn submit_session_work(&self, work: SessionWork) {
        self.writer
            .enqueue(Box::new(move |conn: StoreResult<&Connection>| match conn {
                Ok(conn) => work(Ok(&sessions::InTransaction(conn))),
                Err(e) => work(Err(e)),
            }));
    }

    fn end_user_sessions(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<usize> {
        sessions::end_for_user(&*self.conn()?, user_id, end, now)
    }

    fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        Ok(signing_keys::all(&*self.conn()?)?)
    }

    fn save_signing_keys(&self, added: &[StoredKey], changed: &[StoredKey]) -> StoreResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for key in added {
            signing_keys::insert(&tx, key)?;
        }
        for key in changed {
            signing_keys::update_dates(&tx, key)?;
        }
        Ok(tx.commit()?)
    }

    fn session_with_user(
        &self,
        session_id: &str,
        kid: Option<&str>,
    ) -> StoreResult<Option<(Session, User)>> {
        let conn = self.conn()?;
        if kid
            .map(|kid| signing_keys::refused(&conn, kid))
            .transpose()?
            == Some(true)
        {
            return Ok(None);
        }
        sessions::with_user(&conn, session_id)
    }

    fn live_sessions(&self, user_id: i64, now: i64) -> StoreResult<Vec<Session>> {
        sessions::live_for_user(&*self.conn()?, user_id, now)
    }

    fn sweep(&self, now: i64, batch: usize) -> StoreResult<Swept> {
        sessions::sweep(&*self.conn()?, now, batch)
    }

    fn end_own_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: EndReason,
        now: i64,
    ) -> StoreResult<bool> {
        sessions::end_own(&*self.conn()?, user_id, session_id, reason, now)
    }

    fn query_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, u64)> {
        admin::query(&mut *self.conn()?, query)
    }

    fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        now: i64,
    ) -> StoreResult<Option<User>> {
        admin::update(&mut *self.conn()?, username, change, now)
    }

    fn rename_user(&self, username: &str, new_name: &str, now: i64) -> StoreResult<Option<User>> {
        users::rename(&mut *self.conn()?, username, new_name, now)
    }

    fn delete_user_unless_last_admin(&self, username: &str) -> StoreResult<Option<User>> {
        admin::delete(&mut *self.conn()?, username)
    }

    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        audit::append(&mut *self.conn()?, events)
    }

    fn query_audit(&self, query: &AuditQuery) -> StoreResult<(Vec<AuditRecord>, u64)> {
        audit::query(&mut *self.conn()?, query)
    }

    fn prune_audit(&self, before: i64, batch: usize) -> StoreResult<usize> {
        audit::prune(&*self.conn()?, before, batch)
    }

    fn count_live_sessions(&self, now: i64) -> StoreResult<u64> {
        audit::count_live_sessions(&*self.conn()?, now)
    }
}
