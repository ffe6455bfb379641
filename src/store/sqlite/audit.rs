//! SQL for `audit_events`. Appends come in batches (one transaction each), pruning in small batches
//! so neither holds the write lock for long.

use rusqlite::{params, Connection, Row, ToSql, TransactionBehavior};

use super::SqliteStore;
use crate::store::{
    AuditEvent, AuditQuery, AuditRecord, AuditStore, HourCount, StoreResult, HOUR_MS,
};

const COLUMNS: &str = "id, at, event, username, actor, address, user_agent, reason, request_id";

/// Every filter is "unset or matches", so one statement serves all queries.
const FILTER: &str = "FROM audit_events
     WHERE (?1 IS NULL OR username = ?1 COLLATE NOCASE)
       AND (?2 IS NULL OR event = ?2)
       AND (?3 IS NULL OR at >= ?3)";

fn from_row(row: &Row) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        id: row.get(0)?,
        event: AuditEvent {
            at: row.get(1)?,
            event: row.get(2)?,
            username: row.get(3)?,
            actor: row.get(4)?,
            address: row.get(5)?,
            user_agent: row.get(6)?,
            reason: row.get(7)?,
            request_id: row.get(8)?,
        },
    })
}

pub(super) fn append(conn: &mut Connection, events: &[AuditEvent]) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit_events (at, event, username, actor, address, user_agent, reason, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for e in events {
            insert.execute(params![
                e.at,
                e.event,
                e.username,
                e.actor,
                e.address,
                e.user_agent,
                e.reason,
                e.request_id
            ])?;
        }
    }
    Ok(tx.commit()?)
}

/// The page and the number of matches, read in one transaction so they agree.
pub(super) fn query(
    conn: &mut Connection,
    query: &AuditQuery,
) -> StoreResult<(Vec<AuditRecord>, u64)> {
    let limit = query
        .limit
        .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let args: [&dyn ToSql; 5] = [&query.username, &query.event, &query.since, &limit, &offset];
    let direction = if query.oldest_first { "ASC" } else { "DESC" };
    let tx = conn.transaction()?;
    let total: i64 = tx
        .prepare_cached(&format!("SELECT COUNT(*) {FILTER}"))?
        .query_row(&args[..3], |row| row.get(0))?;
    let page = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} {FILTER} ORDER BY id {direction} LIMIT ?4 OFFSET ?5"
        ))?
        .query_map(&args[..], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok((page, u64::try_from(total).unwrap_or(0)))
}

/// Times are whole non-negative milliseconds, so integer division finds the hour; the range
/// condition uses the `at` index.
pub(super) fn count_by_hour(conn: &Connection, since: i64) -> StoreResult<Vec<HourCount>> {
    let mut statement = conn.prepare_cached(
        "SELECT at / ?2 AS hour, event, COUNT(*) FROM audit_events
         WHERE at >= ?1 GROUP BY hour, event",
    )?;
    let counts = statement
        .query_map(params![since, HOUR_MS], |row| {
            Ok(HourCount {
                hour: row.get::<_, i64>(0)? * HOUR_MS,
                event: row.get(1)?,
                count: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(counts)
}

/// Deletes up to `batch` of the oldest events from before `before`.
pub(super) fn prune(conn: &Connection, before: i64, batch: usize) -> StoreResult<usize> {
    Ok(conn.execute(
        "DELETE FROM audit_events WHERE id IN
             (SELECT id FROM audit_events WHERE at < ?1 ORDER BY id LIMIT ?2)",
        params![before, batch as i64],
    )?)
}

impl AuditStore for SqliteStore {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        append(&mut *self.conn()?, events)
    }

    fn query_audit(&self, query: &AuditQuery) -> StoreResult<(Vec<AuditRecord>, u64)> {
        self::query(&mut *self.conn()?, query)
    }

    fn count_audit_by_hour(&self, since: i64) -> StoreResult<Vec<HourCount>> {
        count_by_hour(&*self.conn()?, since)
    }

    fn prune_audit(&self, before: i64, batch: usize) -> StoreResult<usize> {
        prune(&*self.conn()?, before, batch)
    }
}
