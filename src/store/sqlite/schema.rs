//! The schema's version steps. A file at the current version is only read, so opening it never
//! takes the write lock; an upgrade runs in an IMMEDIATE transaction that reads the version again,
//! so two openers never upgrade the same file twice.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::store::{SchemaError, StoreError};

const SCHEMA: &str = include_str!("../../../schema.sql");
pub(super) const SCHEMA_VERSION: i64 = 15;

/// Brings the schema up to date. A current file is only read (so a CLI read
/// is a read); work happens in an IMMEDIATE transaction that reads the
/// version again, so two openers never upgrade the same file twice.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), SchemaError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .map_err(StoreError::from)?;
    if !mode.eq_ignore_ascii_case("wal") {
        conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(StoreError::from)?;
    }
    if check_version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let version = check_version(&tx)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    upgrade(&tx, version).map_err(StoreError::from)?;
    Ok(tx.commit().map_err(StoreError::from)?)
}

/// A lock held past the wait is named as such: the file may well be fine.
fn check_version(conn: &Connection) -> Result<i64, SchemaError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| match StoreError::from(e) {
            StoreError::Busy => SchemaError::Store(StoreError::Busy),
            other => SchemaError::NotSqlite(other),
        })?;
    if version > SCHEMA_VERSION {
        return Err(SchemaError::TooNew(version));
    }
    Ok(version)
}

/// The version steps, then the idempotent schema, inside the caller's transaction.
fn upgrade(tx: &Transaction, version: i64) -> rusqlite::Result<()> {
    if (1..3).contains(&version) {
        // Old rows keep their rotation times under the new name; at worst an
        // id rotated just before the upgrade gets a shorter reuse grace.
        tx.execute_batch("ALTER TABLE refresh_ids RENAME COLUMN rotated_at TO issued_at;")?;
    }
    if (1..4).contains(&version) {
        // SQLite cannot drop a foreign key in place: copy into the new shape.
        tx.execute_batch(
            "CREATE TABLE refresh_ids_v4 (hash BLOB PRIMARY KEY, session_id TEXT NOT NULL,
                                          generation INTEGER NOT NULL, issued_at INTEGER) WITHOUT ROWID;
             INSERT INTO refresh_ids_v4 SELECT hash, session_id, generation, issued_at FROM refresh_ids;
             DROP TABLE refresh_ids;
             ALTER TABLE refresh_ids_v4 RENAME TO refresh_ids;",
        )?;
    }
    if (1..5).contains(&version) {
        // Ids rotated before the upgrade have no fingerprint: a replay of one
        // gets no grace (at worst a tab racing the upgrade is logged out).
        tx.execute_batch("ALTER TABLE refresh_ids ADD COLUMN issued_to BLOB;")?;
    }
    if version < 7 {
        tx.execute_batch(super::signing_keys::TABLE)?;
    }
    if (1..8).contains(&version) {
        // Before schema.sql, whose unique index needs every key filled in.
        super::name_keys::add(tx)?;
    }
    if version < 9 && !has_column(tx, "sessions", "mfa")? {
        // Sessions from before the second factor were password-only. The
        // second factor's own tables come from schema.sql below.
        tx.execute_batch("ALTER TABLE sessions ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;")?;
    }
    if version < 10 && !has_column(tx, "sessions", "issue_times")? {
        // Ids issued before carry no time; their sessions' times start with
        // their next rotation.
        tx.execute_batch("ALTER TABLE sessions ADD COLUMN issue_times BLOB;")?;
    }
    // Every user, and every login waiting for its second step, starts at 0.
    for table in ["users", "mfa_tokens"] {
        if version < 11 && !has_column(tx, table, "credentials_version")? {
            tx.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN credentials_version INTEGER NOT NULL DEFAULT 0;"
            ))?;
        }
    }
    if version < 12 && !has_column(tx, "sessions", "issued_to")? {
        // NULL: the live id is a chained one, whose row knows its client;
        // the session's next rotation moves it to counted ids.
        tx.execute_batch("ALTER TABLE sessions ADD COLUMN issued_to BLOB;")?;
    }
    if version < 14 && !has_column(tx, "sessions", "kind")? {
        // Every session so far is a refresh-cookie one; portal sessions
        // came with the kind.
        tx.execute_batch(
            "ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'app';
             ALTER TABLE sessions ADD COLUMN portal_hash BLOB;",
        )?;
    }
    tx.execute_batch(SCHEMA)?;
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))
}

/// Whether `table` exists and has `column` (a new file has neither yet:
/// schema.sql makes the table whole).
fn has_column(tx: &Transaction, table: &str, column: &str) -> rusqlite::Result<bool> {
    let columns: Vec<String> = tx
        .prepare("SELECT name FROM pragma_table_info(?1)")?
        .query_map([table], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(columns.is_empty() || columns.iter().any(|c| c == column))
}
