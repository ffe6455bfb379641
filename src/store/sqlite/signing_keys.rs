//! SQL for the signing keys (schema version 7): few rows, read whole.

use rusqlite::{params, Connection};

use super::SqliteStore;
use crate::store::{KeyStore, StoreResult, StoredKey};

/// The table of schema version 7; `migrate` creates it on older files.
pub const TABLE: &str = "CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY, public_key BLOB NOT NULL, sealed_private BLOB NOT NULL,
    created_at INTEGER NOT NULL, signs_from INTEGER NOT NULL,
    retired_at INTEGER, revoked_at INTEGER);";

pub fn all(conn: &Connection) -> rusqlite::Result<Vec<StoredKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kid, public_key, sealed_private, created_at, signs_from, retired_at, revoked_at
         FROM signing_keys ORDER BY signs_from, created_at",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(StoredKey {
            kid: row.get(0)?,
            public_key: row.get(1)?,
            sealed_private: row.get(2)?,
            created_at: row.get(3)?,
            signs_from: row.get(4)?,
            retired_at: row.get(5)?,
            revoked_at: row.get(6)?,
        })
    })?;
    rows.collect()
}

pub fn insert(conn: &Connection, key: &StoredKey) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO signing_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            key.kid,
            key.public_key,
            key.sealed_private,
            key.created_at,
            key.signs_from,
            key.retired_at,
            key.revoked_at
        ],
    )?;
    Ok(())
}

/// Sets a key's dates (rotation and revocation change only these).
pub fn update_dates(conn: &Connection, key: &StoredKey) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE signing_keys SET signs_from = ?2, retired_at = ?3, revoked_at = ?4 WHERE kid = ?1",
        params![key.kid, key.signs_from, key.retired_at, key.revoked_at],
    )?;
    Ok(())
}

impl KeyStore for SqliteStore {
    fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        Ok(all(&*self.conn()?)?)
    }

    fn save_signing_keys(&self, added: &[StoredKey], changed: &[StoredKey]) -> StoreResult<()> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for key in added {
            insert(&tx, key)?;
        }
        for key in changed {
            update_dates(&tx, key)?;
        }
        Ok(tx.commit()?)
    }
}
