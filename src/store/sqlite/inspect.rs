//! `check-config` on a SQLite file: open it read-only, check its schema version and its pages, and
//! count what is there, changing nothing (a new file has no tables yet and counts nothing).

use std::path::Path;

use rusqlite::Connection;

use super::maintenance::open_read_only;
use super::SCHEMA_VERSION;
use crate::store::InspectError;

/// What a look at the database found.
#[derive(Debug, Default)]
pub struct Inspection {
    pub schema_version: i64,
    pub users: i64,
    pub enabled_admins: i64,
    pub sessions: i64,
    pub audit_events: i64,
}

/// Opens the file read-only and checks it: a SQLite database of a schema
/// this binary knows, passing `quick_check`. A file at version 0 (new)
/// has no tables yet, so it counts nothing.
pub fn inspect(path: &Path) -> Result<Inspection, InspectError> {
    let conn = open_read_only(path).map_err(|source| InspectError::Unopened {
        path: path.into(),
        source,
    })?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|source| InspectError::NotSqlite {
            path: path.into(),
            source,
        })?;
    if version > SCHEMA_VERSION {
        let path = path.into();
        return Err(InspectError::TooNew {
            path,
            found: version,
        });
    }
    let unread = |source| InspectError::Unread {
        path: path.into(),
        source,
    };
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(unread)?;
    if check != "ok" {
        let path = path.into();
        return Err(InspectError::Damaged { path, check });
    }
    count(&conn, version).map_err(unread)
}

/// The rows of a file at `version` (0, a new file, has no tables yet).
fn count(conn: &Connection, version: i64) -> rusqlite::Result<Inspection> {
    let count = |sql: &str| {
        if version == 0 {
            return Ok(0);
        }
        conn.query_row(sql, [], |row| row.get(0))
            .or_else(|e| match e {
                // A version-1 file has no audit table until the server upgrades it.
                rusqlite::Error::SqliteFailure(..) if sql.contains("audit_events") => Ok(0),
                other => Err(other),
            })
    };
    Ok(Inspection {
        schema_version: version,
        users: count("SELECT COUNT(*) FROM users")?,
        enabled_admins: count("SELECT COUNT(*) FROM users WHERE admin = 1 AND disabled = 0")?,
        sessions: count("SELECT COUNT(*) FROM sessions WHERE end_reason IS NULL")?,
        audit_events: count("SELECT COUNT(*) FROM audit_events")?,
    })
}
