//! SQL for `audit_events`: appends in one transaction per batch, pages by filter, and pruning in
//! small batches on one instance at a time.

use postgres::types::ToSql;
use postgres::Row;

use super::rows::column;
use super::{sweep_lock, PostgresStore};
use crate::store::{
    AuditEvent, AuditQuery, AuditRecord, AuditStore, HourCount, StoreResult, HOUR_MS,
};

const COLUMNS: &str = "id, at, event, username, actor, address, user_agent, reason, request_id";

/// Every filter is "unset or matches", so one statement serves all queries.
const FILTER: &str = "FROM audit_events
     WHERE ($1::text IS NULL OR lower(username) = lower($1))
       AND ($2::text IS NULL OR event = $2)
       AND ($3::bigint IS NULL OR at >= $3)";

fn from_row(row: &Row) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        id: column(row, 0)?,
        event: AuditEvent {
            at: column(row, 1)?,
            event: column(row, 2)?,
            username: column(row, 3)?,
            actor: column(row, 4)?,
            address: column(row, 5)?,
            user_agent: column(row, 6)?,
            reason: column(row, 7)?,
            request_id: column(row, 8)?,
        },
    })
}

impl AuditStore for PostgresStore {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        self.in_transaction(|tx| {
            let insert = tx.prepare(
                "INSERT INTO audit_events (at, event, username, actor, address, user_agent, reason, request_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )?;
            for e in events {
                tx.execute(
                    &insert,
                    &[
                        &e.at,
                        &e.event,
                        &e.username,
                        &e.actor,
                        &e.address,
                        &e.user_agent,
                        &e.reason,
                        &e.request_id,
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The page and the number of matches, from one snapshot so they agree.
    fn query_audit(&self, query: &AuditQuery) -> StoreResult<(Vec<AuditRecord>, u64)> {
        let limit = query.limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let args: [&(dyn ToSql + Sync); 5] =
            [&query.username, &query.event, &query.since, &limit, &offset];
        let direction = if query.oldest_first { "ASC" } else { "DESC" };
        let mut conn = self.conn()?;
        let mut tx = conn
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let total: i64 = column(
            &tx.query_one(&format!("SELECT COUNT(*) {FILTER}"), &args[..3])?,
            0,
        )?;
        let page = tx.query(
            &format!("SELECT {COLUMNS} {FILTER} ORDER BY id {direction} LIMIT $4 OFFSET $5"),
            &args,
        )?;
        tx.commit()?;
        Ok((
            page.iter().map(from_row).collect::<StoreResult<_>>()?,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// `at` is a bigint of milliseconds, so bigint division finds the hour; the range condition
    /// uses the `at` index.
    fn count_audit_by_hour(&self, since: i64) -> StoreResult<Vec<HourCount>> {
        let mut conn = self.conn()?;
        let rows = conn.client.query(
            "SELECT at / $2 AS hour, event, COUNT(*) FROM audit_events
             WHERE at >= $1 GROUP BY hour, event",
            &[&since, &HOUR_MS],
        )?;
        rows.iter()
            .map(|row| {
                Ok(HourCount {
                    hour: column::<i64>(row, 0)? * HOUR_MS,
                    event: column(row, 1)?,
                    count: u64::try_from(column::<i64>(row, 2)?).unwrap_or(0),
                })
            })
            .collect()
    }

    fn prune_audit(&self, before: i64, batch: usize) -> StoreResult<usize> {
        self.in_transaction(|tx| {
            if !sweep_lock(tx, "audit")? {
                return Ok(0);
            }
            Ok(tx.execute(
                "DELETE FROM audit_events WHERE id IN
                     (SELECT id FROM audit_events WHERE at < $1 ORDER BY id LIMIT $2)",
                &[&before, &(batch as i64)],
            )? as usize)
        })
    }
}
