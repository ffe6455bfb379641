//! The SQLite store: an r2d2 pool of WAL connections; the schema comes from `schema.sql`, versioned with `PRAGMA user_version`.

mod admin;
mod audit;
pub mod maintenance;
mod sessions;
mod signing_keys;
mod users;
mod writer;

use std::path::Path;
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, ErrorCode};

use super::*;

const SCHEMA: &str = include_str!("../../../schema.sql");
const SCHEMA_VERSION: i64 = 7;

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
        let shown = path.display();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "database directory {} does not exist; create it or pass --db",
                    dir.display()
                ));
            }
        }
        let mut first = Connection::open(path).map_err(|e| {
            format!("cannot open database {shown}: {e}; check the path and its permissions")
        })?;
        migrate(&mut first).map_err(|e| format!("database {shown}: {e}"))?;
        drop(first);
        let manager = SqliteConnectionManager::file(path).with_init(configure);
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(3))
            // A checkout that runs `SELECT 1` costs more than the query it serves.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot open database {shown}: {e}"))?;
        let open = || {
            Connection::open(path)
                .and_then(|mut conn| configure(&mut conn).map(|()| conn))
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

/// Every connection: enforce foreign keys, wait for the write lock rather
/// than fail, fsync only at checkpoints (WAL keeps commits safe from a crash of
/// the process), and read through mmap so a large database costs no syscalls.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;
         PRAGMA mmap_size = 1073741824;",
    )
}

fn migrate(conn: &mut Connection) -> Result<(), String> {
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;")
        .map_err(|e| e.to_string())?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| format!("is not a SQLite database ({e})"))?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "was written by a newer latchkey (schema version {version}; this binary knows {SCHEMA_VERSION}): upgrade latchkey"
        ));
    }
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    if (1..3).contains(&version) {
        // Old rows keep their rotation times under the new name; at worst an
        // id rotated just before the upgrade gets a shorter reuse grace.
        tx.execute_batch("ALTER TABLE refresh_ids RENAME COLUMN rotated_at TO issued_at;")
            .map_err(|e| e.to_string())?;
    }
    if (1..4).contains(&version) {
        // SQLite cannot drop a foreign key in place: copy into the new shape.
        tx.execute_batch(
            "CREATE TABLE refresh_ids_v4 (hash BLOB PRIMARY KEY, session_id TEXT NOT NULL,
                                          generation INTEGER NOT NULL, issued_at INTEGER) WITHOUT ROWID;
             INSERT INTO refresh_ids_v4 SELECT hash, session_id, generation, issued_at FROM refresh_ids;
             DROP TABLE refresh_ids;
             ALTER TABLE refresh_ids_v4 RENAME TO refresh_ids;",
        )
        .map_err(|e| e.to_string())?;
    }
    if version < 7 {
        tx.execute_batch(signing_keys::TABLE)
            .map_err(|e| e.to_string())?;
    }
    tx.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
        .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::ConstraintViolation) => StoreError::Conflict("already exists".into()),
            _ => StoreError::Other(error.to_string()),
        }
    }
}

impl Store for SqliteStore {
    fn ping(&self) -> StoreResult<()> {
        self.conn()?.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        users::by_name(&*self.conn()?, username)
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

    fn set_disabled(&self, user_id: i64, disabled: bool, now: i64) -> StoreResult<()> {
        users::set_disabled(&mut *self.conn()?, user_id, disabled, now)
    }

    fn delete_user(&self, user_id: i64) -> StoreResult<()> {
        users::delete(&*self.conn()?, user_id)
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

    fn signing_key_refused(&self, kid: &str) -> StoreResult<bool> {
        Ok(signing_keys::refused(&*self.conn()?, kid)?)
    }

    fn session_with_user(&self, session_id: &str) -> StoreResult<Option<(Session, User)>> {
        sessions::with_user(&*self.conn()?, session_id)
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
