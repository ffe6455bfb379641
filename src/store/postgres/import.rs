//! The target side of `latchkey migrate`: an empty PostgreSQL database filled in one transaction by
//! binary COPY, with the tables locked against instances, every count checked before COMMIT and the
//! id sequences moved past the copied ids. Either all of the source arrives or nothing does.

use std::str::FromStr;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::Transaction;

use super::{describe, rows, schema, tls};
use crate::store::transfer::{Cell, Copied, RowSource, TransferError, TABLES};
use crate::store::StoreError;

/// Rows between two progress reports.
pub const PROGRESS_EVERY: u64 = 10_000;

/// Told `(table, rows copied, rows in all)` every `PROGRESS_EVERY` rows.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// Copies every table of `source` into the database at `url`, which must
/// hold no rows; its schema is created first and records `fingerprint`
/// (of the secret the source's tokens and sealed secrets were made with).
pub fn import(
    url: &str,
    fingerprint: &[u8],
    source: &mut dyn RowSource,
    progress: Progress,
) -> Result<Copied, TransferError> {
    let config = postgres::Config::from_str(url)
        .map_err(|e| TransferError::TargetUrl(TransferError::cause(e)))?;
    let connector = tls::connector()?;
    let mut client = config
        .connect(connector)
        .map_err(|e| TransferError::Connect {
            at: describe(&config),
            source: TransferError::cause(e),
        })?;
    schema::migrate(&mut client, Some(fingerprint))?;
    let mut tx = client.transaction().map_err(explain)?;
    let names: Vec<&str> = TABLES.iter().map(|(name, _)| *name).collect();
    // Instances may already point at the database: none writes until COMMIT.
    tx.batch_execute(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    ))
    .map_err(explain)?;
    refuse_non_empty(&mut tx)?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for (table, columns) in TABLES {
        let expected = source.count(table)?;
        copy_table(&mut tx, source, table, columns, expected, progress)?;
        let found = count(&mut tx, table)?;
        if found != expected {
            return Err(TransferError::Lost {
                table: table.to_string(),
                found,
                expected,
            });
        }
        copied.push((*table, found));
    }
    for table in ["users", "audit_events"] {
        advance_ids(&mut tx, table)?;
    }
    tx.commit().map_err(explain)?;
    Ok(copied)
}

fn explain(e: postgres::Error) -> TransferError {
    TransferError::Target(StoreError::from(e))
}

fn count(tx: &mut Transaction, table: &str) -> Result<u64, TransferError> {
    let row = tx
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .map_err(explain)?;
    let n: i64 = rows::column(&row, 0).map_err(TransferError::Target)?;
    Ok(n as u64)
}

/// Copying into a database in use would mix two sets of users and ids.
fn refuse_non_empty(tx: &mut Transaction) -> Result<(), TransferError> {
    for (table, _) in TABLES {
        let rows = count(tx, table)?;
        if rows > 0 {
            let table = table.to_string();
            return Err(TransferError::NotEmpty { table, rows });
        }
    }
    Ok(())
}

fn copy_table(
    tx: &mut Transaction,
    source: &mut dyn RowSource,
    table: &str,
    columns: &[&str],
    expected: u64,
    progress: Progress,
) -> Result<(), TransferError> {
    let list = columns.join(", ");
    let types: Vec<Type> = tx
        .prepare(&format!("SELECT {list} FROM {table}"))
        .map_err(explain)?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sink = tx
        .copy_in(&format!("COPY {table} ({list}) FROM STDIN (FORMAT binary)"))
        .map_err(explain)?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut written = 0u64;
    source.rows(table, columns, &mut |cells| {
        let values = cells
            .into_iter()
            .zip(&types)
            .map(|(cell, ty)| typed(table, ty, cell))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        writer.write(&refs).map_err(explain)?;
        written += 1;
        if written.is_multiple_of(PROGRESS_EVERY) {
            progress(table, written, expected);
        }
        Ok(())
    })?;
    writer.finish().map_err(explain)?;
    Ok(())
}

type Value = Box<dyn ToSql + Sync>;

/// A SQLite cell as the column's PostgreSQL type: SQLite keeps booleans as
/// the integers 0 and 1.
fn typed(table: &str, ty: &Type, cell: Cell) -> Result<Value, TransferError> {
    let problem = |problem: String| TransferError::Cell {
        table: table.to_string(),
        problem,
    };
    let int = |cell: Cell| match cell {
        Cell::Null => Ok(None),
        Cell::Int(i) => Ok(Some(i)),
        other => Err(problem(format!(
            "expected an integer, found {}",
            kind(&other)
        ))),
    };
    Ok(if *ty == Type::BOOL {
        Box::new(int(cell)?.map(|i| i != 0))
    } else if *ty == Type::INT8 {
        Box::new(int(cell)?)
    } else if *ty == Type::INT4 {
        let small = int(cell)?.map(i32::try_from).transpose();
        Box::new(small.map_err(|_| problem("an integer out of range".into()))?)
    } else if *ty == Type::INT2 {
        let small = int(cell)?.map(i16::try_from).transpose();
        Box::new(small.map_err(|_| problem("an integer out of range".into()))?)
    } else if *ty == Type::TEXT {
        Box::new(match cell {
            Cell::Null => None,
            Cell::Text(text) => Some(text),
            other => return Err(problem(format!("expected text, found {}", kind(&other)))),
        })
    } else if *ty == Type::BYTEA {
        Box::new(match cell {
            Cell::Null => None,
            Cell::Bytes(bytes) => Some(bytes),
            other => return Err(problem(format!("expected bytes, found {}", kind(&other)))),
        })
    } else {
        return Err(problem(format!("no conversion to the column type {ty}")));
    })
}

fn kind(cell: &Cell) -> &'static str {
    match cell {
        Cell::Null => "NULL",
        Cell::Int(_) => "an integer",
        Cell::Text(_) => "text",
        Cell::Bytes(_) => "bytes",
    }
}

/// New users and audit events must not collide with the copied ids.
fn advance_ids(tx: &mut Transaction, table: &str) -> Result<(), TransferError> {
    tx.execute(
        &format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table}"
        ),
        &[],
    )
    .map_err(explain)?;
    Ok(())
}
