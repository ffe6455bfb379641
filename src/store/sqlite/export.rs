//! The source side of `latchkey migrate`: a read-only connection holding one read transaction, so
//! every table and count comes from the same snapshot even while a server writes the file.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::store::transfer::{Cell, RowSource, TransferError};

/// A read of `what` that failed, its cause kept.
fn unread(what: impl ToString) -> impl Fn(rusqlite::Error) -> TransferError {
    let what = what.to_string();
    move |e| TransferError::Read {
        what: what.clone(),
        source: TransferError::cause(e),
    }
}

pub struct SqliteExport {
    conn: Connection,
}

impl SqliteExport {
    /// Opens `path` read-only and starts the snapshot. The caller has
    /// brought the file to the current schema first (`SqliteStore::open`).
    pub fn open(path: &Path) -> Result<SqliteExport, TransferError> {
        let explain = unread(path.display());
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(&explain)?;
        conn.busy_timeout(super::BUSY_TIMEOUT).map_err(&explain)?;
        // A deferred transaction's snapshot starts at its first read.
        conn.execute_batch("BEGIN; SELECT count(*) FROM sqlite_schema;")
            .map_err(&explain)?;
        Ok(SqliteExport { conn })
    }
}

impl RowSource for SqliteExport {
    fn count(&mut self, table: &str) -> Result<u64, TransferError> {
        let n: i64 = self
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .map_err(|e| TransferError::Count {
                table: table.into(),
                source: TransferError::cause(e),
            })?;
        Ok(n as u64)
    }

    fn rows(
        &mut self,
        table: &str,
        columns: &[&str],
        each: &mut dyn FnMut(Vec<Cell>) -> Result<(), TransferError>,
    ) -> Result<(), TransferError> {
        let explain = unread(table);
        let sql = format!("SELECT {} FROM {table}", columns.join(", "));
        let mut statement = self.conn.prepare(&sql).map_err(&explain)?;
        let mut rows = statement.query([]).map_err(&explain)?;
        while let Some(row) = rows.next().map_err(&explain)? {
            let cells = (0..columns.len())
                .map(|i| {
                    row.get_ref(i)
                        .map_err(&explain)
                        .and_then(|v| cell(table, v))
                })
                .collect::<Result<Vec<_>, _>>()?;
            each(cells)?;
        }
        Ok(())
    }
}

/// latchkey writes no REAL anywhere; one found is a file changed by hand.
fn cell(table: &str, value: ValueRef) -> Result<Cell, TransferError> {
    let foreign = |what| TransferError::Foreign {
        table: table.into(),
        what,
    };
    Ok(match value {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Text(text) => Cell::Text(
            std::str::from_utf8(text)
                .map_err(|_| foreign("text that is not UTF-8"))?
                .to_string(),
        ),
        ValueRef::Blob(bytes) => Cell::Bytes(bytes.to_vec()),
        ValueRef::Real(_) => return Err(foreign("a floating-point value")),
    })
}
