//! SQL of the shared login throttle: each reservation locks its keys (advisory locks, in one order,
//! so two never deadlock), counts failures and attempts in flight, and inserts its own rows, all in
//! one transaction: two instances never both take the last slot.

use postgres::Transaction;

use super::{schema, PostgresStore};
use crate::store::{Reservation, Settled, StoreResult, ThrottleKey, ThrottleStore};

/// What one key's rows say: (failures, in flight, oldest failure).
fn count(tx: &mut Transaction, key: &[u8]) -> StoreResult<(i64, i64, Option<i64>)> {
    let row = tx.query_one(
        "SELECT count(*) FILTER (WHERE failed), count(*) FILTER (WHERE NOT failed),
                min(at) FILTER (WHERE failed)
         FROM login_attempts WHERE key = $1",
        &[&key],
    )?;
    Ok((row.get(0), row.get(1), row.get(2)))
}

fn reserve(
    tx: &mut Transaction,
    keys: &[ThrottleKey],
    (now, window, settles_by): (i64, i64, i64),
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
        let (failures, in_flight, oldest) = count(tx, &key.key)?;
        let max = i64::from(key.max);
        if failures >= max {
            let frees_at = oldest.unwrap_or(now) + window;
            return Ok(Reservation::Refused { frees_at });
        }
        if failures + in_flight >= max {
            return Ok(Reservation::Wait);
        }
    }
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        let row = tx.query_one(
            "INSERT INTO login_attempts (key, at, settles_by) VALUES ($1, $2, $3) RETURNING id",
            &[&key.key, &now, &settles_by],
        )?;
        ids.push(row.get(0));
    }
    Ok(Reservation::Counted(ids))
}

impl ThrottleStore for PostgresStore {
    fn reserve_attempt(
        &self,
        keys: &[ThrottleKey],
        now: i64,
        window: i64,
        settles_by: i64,
    ) -> StoreResult<Reservation> {
        self.in_transaction(|tx| reserve(tx, keys, (now, window, settles_by)))
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

    fn forget_attempts(&self, before: i64, now: i64) -> StoreResult<usize> {
        let forgotten = self.conn()?.client.execute(
            "DELETE FROM login_attempts
             WHERE (failed AND at < $1) OR (NOT failed AND settles_by <= $2)",
            &[&before, &now],
        )?;
        Ok(forgotten as usize)
    }
}
