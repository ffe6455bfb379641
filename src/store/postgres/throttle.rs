//! SQL of the shared login throttle: each reservation locks its keys (advisory locks, in one order,
//! so two never deadlock), counts failures and attempts in flight, and inserts its own rows, all in
//! one transaction: two instances never both take the last slot.

use postgres::Transaction;

use super::rows::column;
use super::{schema, PostgresStore};
use crate::store::{
    KeyCount, MayCount, Reservation, Settled, StoreResult, ThrottleKey, ThrottleStore,
};

/// What one key's rows say, at `now`.
fn count(tx: &mut Transaction, key: &[u8], now: i64) -> StoreResult<KeyCount> {
    let row = tx.query_one(
        "SELECT count(*) FILTER (WHERE failed), count(*) FILTER (WHERE NOT failed),
                min(at) FILTER (WHERE failed)
         FROM login_attempts WHERE key = $1",
        &[&key],
    )?;
    let (failures, in_flight, oldest): (i64, i64, Option<i64>) =
        (column(&row, 0)?, column(&row, 1)?, column(&row, 2)?);
    Ok(KeyCount {
        failures: failures as usize,
        in_flight: in_flight as usize,
        oldest_failure_age_ms: oldest.map(|at| now - at),
    })
}

fn reserve(
    tx: &mut Transaction,
    keys: &[ThrottleKey],
    (now, window, settles_by): (i64, i64, i64),
    may_count: MayCount,
) -> StoreResult<Reservation> {
    let mut locked: Vec<&ThrottleKey> = keys.iter().collect();
    locked.sort();
    for key in locked {
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(encode($2, 'hex')))",
            &[&schema::LOCK_SPACE, &key.key],
        )?;
    }
    for key in keys {
        tx.execute(
            "DELETE FROM login_attempts
             WHERE key = $1 AND ((failed AND at <= $2) OR (NOT failed AND settles_by <= $3))",
            &[&key.key, &(now - window), &now],
        )?;
        let count = count(tx, &key.key, now)?;
        if !may_count(&count, key.max) {
            let key = key.clone();
            return Ok(Reservation::Stopped { key, count });
        }
    }
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        let row = tx.query_one(
            "INSERT INTO login_attempts (key, at, settles_by) VALUES ($1, $2, $3) RETURNING id",
            &[&key.key, &now, &settles_by],
        )?;
        ids.push(column(&row, 0)?);
    }
    Ok(Reservation::Counted(ids))
}

impl ThrottleStore for PostgresStore {
    fn reserve_attempt(
        &self,
        keys: &[ThrottleKey],
        times: (i64, i64, i64),
        may_count: MayCount,
    ) -> StoreResult<Reservation> {
        self.in_transaction(|tx| reserve(tx, keys, times, may_count))
    }

    fn settle_attempt(
        &self,
        ids: &[i64],
        outcome: Settled,
        user_key: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<()> {
        self.in_transaction(|tx| {
            match outcome {
                Settled::Failed => tx.execute(
                    "UPDATE login_attempts SET failed = TRUE, at = $2, settles_by = NULL
                     WHERE id = ANY($1)",
                    &[&ids, &now],
                )?,
                Settled::Succeeded | Settled::Void => {
                    tx.execute("DELETE FROM login_attempts WHERE id = ANY($1)", &[&ids])?
                }
            };
            if let (Settled::Succeeded, Some(key)) = (outcome, user_key) {
                tx.execute(
                    "DELETE FROM login_attempts WHERE key = $1 AND failed",
                    &[&key],
                )?;
            }
            Ok(())
        })
    }

    fn forget_attempts(&self, now: i64, window: i64) -> StoreResult<usize> {
        // The same boundary as a reservation's: a failure `window` old is gone.
        let forgotten = self.conn()?.client.execute(
            "DELETE FROM login_attempts
             WHERE (failed AND at <= $1) OR (NOT failed AND settles_by <= $2)",
            &[&(now - window), &now],
        )?;
        Ok(forgotten as usize)
    }
}
