//! SQL for the second factor: `user_mfa`, `mfa_recovery_codes` and `mfa_tokens`. Every "use once"
//! is a conditional write that must hit one row, so two requests, on any instances, never both use
//! the same step, code or token.

use postgres::Row;

use super::rows::{self, column, USER_COLUMNS};
use super::{sessions, sweep_lock, PostgresStore};
use crate::store::{
    EndSessions, MfaConfirm, MfaRecord, MfaStore, MfaTokenRecord, StoreResult, User,
};

fn token(row: &Row) -> StoreResult<MfaTokenRecord> {
    Ok(MfaTokenRecord {
        user_id: column(row, 0)?,
        expires_at: column(row, 1)?,
        failures: u32::try_from(column::<i32>(row, 2)?).unwrap_or(0),
        credentials_version: column(row, 3)?,
    })
}

/// A new token, or a taken one put back with its failures counted.
fn insert_token(
    client: &mut postgres::Client,
    hash: &[u8; 32],
    token: &MfaTokenRecord,
) -> StoreResult<()> {
    let failures = i32::try_from(token.failures).unwrap_or(i32::MAX);
    client.execute(
        "INSERT INTO mfa_tokens (hash, user_id, expires_at, failures, credentials_version)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &&hash[..],
            &token.user_id,
            &token.expires_at,
            &failures,
            &token.credentials_version,
        ],
    )?;
    Ok(())
}

impl MfaStore for PostgresStore {
    fn mfa(&self, user_id: i64) -> StoreResult<Option<MfaRecord>> {
        let row = self.conn()?.client.query_opt(
            "SELECT m.secret, m.pending_secret, m.last_step,
                    (SELECT COUNT(*) FROM mfa_recovery_codes c
                     WHERE c.user_id = m.user_id AND c.used_at IS NULL)
             FROM user_mfa m WHERE m.user_id = $1",
            &[&user_id],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(MfaRecord {
            secret: column(&row, 0)?,
            pending_secret: column(&row, 1)?,
            last_step: column(&row, 2)?,
            recovery_codes_left: u32::try_from(column::<i64>(&row, 3)?).unwrap_or(0),
        }))
    }

    /// A confirmed secret stays in force until this one is confirmed.
    /// False when the confirmed secret is no longer `over`.
    fn set_pending_mfa(
        &self,
        user_id: i64,
        sealed: &[u8],
        over: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<bool> {
        let set = self.conn()?.client.execute(
            "INSERT INTO user_mfa (user_id, pending_secret, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET pending_secret = $2, updated_at = $3
             WHERE user_mfa.secret IS NOT DISTINCT FROM $4",
            &[&user_id, &sealed, &now, &over],
        )?;
        Ok(set == 1)
    }

    fn confirm_mfa(&self, c: &MfaConfirm, end: EndSessions) -> StoreResult<bool> {
        self.in_transaction(|tx| {
            let moved = tx.execute(
                "UPDATE user_mfa SET secret = pending_secret, pending_secret = NULL, last_step = $3,
                                     confirmed_at = $4, updated_at = $4
                 WHERE user_id = $1 AND pending_secret = $2",
                &[&c.user_id, &c.pending_secret, &c.step, &c.now],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            tx.execute(
                "DELETE FROM mfa_recovery_codes WHERE user_id = $1",
                &[&c.user_id],
            )?;
            let insert = tx.prepare(
                "INSERT INTO mfa_recovery_codes (user_id, hash) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )?;
            for hash in c.recovery_hashes {
                tx.execute(&insert, &[&c.user_id, &&hash[..]])?;
            }
            sessions::end_for_user(tx, c.user_id, end, c.now)?;
            Ok(true)
        })
    }

    fn use_mfa_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        let used = self.conn()?.client.execute(
            "UPDATE user_mfa SET last_step = $2
             WHERE user_id = $1 AND secret IS NOT NULL AND (last_step IS NULL OR last_step < $2)",
            &[&user_id, &step],
        )?;
        Ok(used == 1)
    }

    fn use_recovery_code(&self, user_id: i64, hash: &[u8; 32], now: i64) -> StoreResult<bool> {
        let used = self.conn()?.client.execute(
            "UPDATE mfa_recovery_codes SET used_at = $3
             WHERE user_id = $1 AND hash = $2 AND used_at IS NULL",
            &[&user_id, &&hash[..], &now],
        )?;
        Ok(used == 1)
    }

    fn remove_mfa(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<bool> {
        self.in_transaction(|tx| {
            let removed = tx.execute("DELETE FROM user_mfa WHERE user_id = $1", &[&user_id])?;
            tx.execute(
                "DELETE FROM mfa_recovery_codes WHERE user_id = $1",
                &[&user_id],
            )?;
            tx.execute("DELETE FROM mfa_tokens WHERE user_id = $1", &[&user_id])?;
            sessions::end_for_user(tx, user_id, end, now)?;
            Ok(removed == 1)
        })
    }

    fn users_with_mfa(&self, user_ids: &[i64]) -> StoreResult<Vec<i64>> {
        let rows = self.conn()?.client.query(
            "SELECT user_id FROM user_mfa WHERE user_id = ANY($1) AND secret IS NOT NULL",
            &[&user_ids],
        )?;
        let with = rows
            .iter()
            .map(|row| column(row, 0))
            .collect::<StoreResult<Vec<i64>>>()?;
        Ok(user_ids
            .iter()
            .copied()
            .filter(|id| with.contains(id))
            .collect())
    }

    fn insert_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()> {
        insert_token(&mut self.conn()?.client, hash, token)
    }

    fn find_mfa_token(&self, hash: &[u8; 32]) -> StoreResult<Option<(MfaTokenRecord, User)>> {
        let row = self.conn()?.client.query_opt(
            &format!(
                "SELECT t.user_id, t.expires_at, t.failures, t.credentials_version, {USER_COLUMNS}
                 FROM mfa_tokens t
                 JOIN users u ON u.id = t.user_id WHERE t.hash = $1"
            ),
            &[&&hash[..]],
        )?;
        row.map(|row| Ok((token(&row)?, rows::user(&row, 4)?)))
            .transpose()
    }

    /// Single use: only the one request whose DELETE hit the row gets it.
    fn take_mfa_token(&self, hash: &[u8; 32], now: i64) -> StoreResult<Option<MfaTokenRecord>> {
        let row = self.conn()?.client.query_opt(
            "DELETE FROM mfa_tokens WHERE hash = $1 AND expires_at > $2
             RETURNING user_id, expires_at, failures, credentials_version",
            &[&&hash[..], &now],
        )?;
        row.as_ref().map(token).transpose()
    }

    fn put_back_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()> {
        insert_token(&mut self.conn()?.client, hash, token)
    }

    fn sweep_mfa_tokens(&self, now: i64, batch: usize) -> StoreResult<usize> {
        self.in_transaction(|tx| {
            if !sweep_lock(tx, "mfa_tokens")? {
                return Ok(0);
            }
            Ok(tx.execute(
                "DELETE FROM mfa_tokens WHERE hash IN
                   (SELECT hash FROM mfa_tokens WHERE expires_at <= $1 LIMIT $2)",
                &[&now, &(batch as i64)],
            )? as usize)
        })
    }
}
