//! SQL for the second factor (schema version 9): `user_mfa` (sealed secrets, last step used),
//! `mfa_recovery_codes` (keyed hashes, single use) and `mfa_tokens` (SHA-256 of each pending login
//! step). Every "use once" is a conditional write that must hit one row, so two requests never both
//! use the same step, code or token.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{rows, sessions, SqliteStore};
use crate::store::{
    EndSessions, MfaConfirm, MfaRecord, MfaStore, MfaTokenRecord, StoreResult, User,
};

pub(super) fn record(conn: &Connection, user_id: i64) -> StoreResult<Option<MfaRecord>> {
    let found = conn
        .prepare_cached(
            "SELECT m.secret, m.pending_secret, m.last_step,
                    (SELECT COUNT(*) FROM mfa_recovery_codes c
                     WHERE c.user_id = m.user_id AND c.used_at IS NULL)
             FROM user_mfa m WHERE m.user_id = ?1",
        )?
        .query_row([user_id], |row| {
            Ok(MfaRecord {
                secret: row.get(0)?,
                pending_secret: row.get(1)?,
                last_step: row.get(2)?,
                recovery_codes_left: row.get(3)?,
            })
        })
        .optional()?;
    Ok(found)
}

/// A new pending secret; a confirmed one stays in force until this one is confirmed.
/// False when the confirmed secret is no longer `over`.
pub(super) fn set_pending(
    conn: &Connection,
    user_id: i64,
    (sealed, over): (&[u8], Option<&[u8]>),
    now: i64,
) -> StoreResult<bool> {
    let set = conn.execute(
        "INSERT INTO user_mfa (user_id, pending_secret, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET pending_secret = ?2, updated_at = ?3
         WHERE user_mfa.secret IS ?4",
        params![user_id, sealed, now, over],
    )?;
    Ok(set == 1)
}

/// False when the pending secret changed (or went) since it was read.
pub(super) fn confirm(
    conn: &mut Connection,
    c: &MfaConfirm,
    end: EndSessions,
) -> StoreResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let moved = tx.execute(
        "UPDATE user_mfa SET secret = pending_secret, pending_secret = NULL, last_step = ?3,
                             confirmed_at = ?4, updated_at = ?4
         WHERE user_id = ?1 AND pending_secret = ?2",
        params![c.user_id, c.pending_secret, c.step, c.now],
    )?;
    if moved == 0 {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM mfa_recovery_codes WHERE user_id = ?1",
        [c.user_id],
    )?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO mfa_recovery_codes (user_id, hash) VALUES (?1, ?2)",
        )?;
        for hash in c.recovery_hashes {
            insert.execute(params![c.user_id, &hash[..]])?;
        }
    }
    sessions::end_for_user(&tx, c.user_id, end, c.now)?;
    tx.commit()?;
    Ok(true)
}

/// Accepts `step` only if it is newer than every step used before.
pub(super) fn use_step(conn: &Connection, user_id: i64, step: i64) -> StoreResult<bool> {
    let used = conn.execute(
        "UPDATE user_mfa SET last_step = ?2
         WHERE user_id = ?1 AND secret IS NOT NULL AND (last_step IS NULL OR last_step < ?2)",
        params![user_id, step],
    )?;
    Ok(used == 1)
}

pub(super) fn use_recovery_code(
    conn: &Connection,
    user_id: i64,
    hash: &[u8; 32],
    now: i64,
) -> StoreResult<bool> {
    let used = conn.execute(
        "UPDATE mfa_recovery_codes SET used_at = ?3
         WHERE user_id = ?1 AND hash = ?2 AND used_at IS NULL",
        params![user_id, &hash[..], now],
    )?;
    Ok(used == 1)
}

/// Removes the factor (confirmed or pending), its recovery codes and pending
/// login steps, and ends sessions as `end` says, in one transaction. False
/// when the user had none.
pub(super) fn remove(
    conn: &mut Connection,
    user_id: i64,
    end: EndSessions,
    now: i64,
) -> StoreResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = tx.execute("DELETE FROM user_mfa WHERE user_id = ?1", [user_id])?;
    tx.execute(
        "DELETE FROM mfa_recovery_codes WHERE user_id = ?1",
        [user_id],
    )?;
    tx.execute("DELETE FROM mfa_tokens WHERE user_id = ?1", [user_id])?;
    sessions::end_for_user(&tx, user_id, end, now)?;
    tx.commit()?;
    Ok(removed == 1)
}

/// Of `user_ids`, those with a confirmed factor.
pub(super) fn users_with_factor(conn: &Connection, user_ids: &[i64]) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM user_mfa WHERE user_id = ?1 AND secret IS NOT NULL)",
    )?;
    let mut with = Vec::new();
    for id in user_ids {
        if stmt.query_row([id], |row| row.get::<_, bool>(0))? {
            with.push(*id);
        }
    }
    Ok(with)
}

/// A new token, or a taken one put back with its failures counted.
pub(super) fn insert_token(
    conn: &Connection,
    hash: &[u8; 32],
    token: &MfaTokenRecord,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO mfa_tokens (hash, user_id, expires_at, failures, credentials_version)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            &hash[..],
            token.user_id,
            token.expires_at,
            token.failures,
            token.credentials_version
        ],
    )?;
    Ok(())
}

fn token(row: &rusqlite::Row) -> rusqlite::Result<MfaTokenRecord> {
    Ok(MfaTokenRecord {
        user_id: row.get(0)?,
        expires_at: row.get(1)?,
        failures: row.get(2)?,
        credentials_version: row.get(3)?,
    })
}

pub(super) fn find_token(
    conn: &Connection,
    hash: &[u8; 32],
) -> StoreResult<Option<(MfaTokenRecord, User)>> {
    let sql = format!(
        "SELECT t.user_id, t.expires_at, t.failures, t.credentials_version, {} FROM mfa_tokens t
         JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
        rows::USER_COLUMNS
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_row([&hash[..]], |row| Ok((token(row)?, rows::user(row, 4)?)))
        .optional()?;
    Ok(found)
}

/// Single use: true for the one request that deleted it.
pub(super) fn take_token(
    conn: &Connection,
    hash: &[u8; 32],
    now: i64,
) -> StoreResult<Option<MfaTokenRecord>> {
    let taken = conn
        .prepare_cached(
            "DELETE FROM mfa_tokens WHERE hash = ?1 AND expires_at > ?2
             RETURNING user_id, expires_at, failures, credentials_version",
        )?
        .query_row(params![&hash[..], now], token)
        .optional()?;
    Ok(taken)
}

/// Deletes up to `batch` expired tokens; returns how many.
pub(super) fn sweep_tokens(conn: &Connection, now: i64, batch: usize) -> StoreResult<usize> {
    Ok(conn.execute(
        "DELETE FROM mfa_tokens WHERE hash IN
           (SELECT hash FROM mfa_tokens WHERE expires_at <= ?1 LIMIT ?2)",
        params![now, batch as i64],
    )?)
}

impl MfaStore for SqliteStore {
    fn mfa(&self, user_id: i64) -> StoreResult<Option<MfaRecord>> {
        record(&*self.conn()?, user_id)
    }

    fn set_pending_mfa(
        &self,
        user_id: i64,
        sealed: &[u8],
        over: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<bool> {
        set_pending(&*self.conn()?, user_id, (sealed, over), now)
    }

    fn confirm_mfa(&self, change: &MfaConfirm, end: EndSessions) -> StoreResult<bool> {
        confirm(&mut *self.conn()?, change, end)
    }

    fn use_mfa_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        use_step(&*self.conn()?, user_id, step)
    }

    fn use_recovery_code(&self, user_id: i64, hash: &[u8; 32], now: i64) -> StoreResult<bool> {
        use_recovery_code(&*self.conn()?, user_id, hash, now)
    }

    fn remove_mfa(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<bool> {
        remove(&mut *self.conn()?, user_id, end, now)
    }

    fn users_with_mfa(&self, user_ids: &[i64]) -> StoreResult<Vec<i64>> {
        users_with_factor(&*self.conn()?, user_ids)
    }

    fn insert_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()> {
        insert_token(&*self.conn()?, hash, token)
    }

    fn find_mfa_token(&self, hash: &[u8; 32]) -> StoreResult<Option<(MfaTokenRecord, User)>> {
        find_token(&*self.conn()?, hash)
    }

    fn take_mfa_token(&self, hash: &[u8; 32], now: i64) -> StoreResult<Option<MfaTokenRecord>> {
        take_token(&*self.conn()?, hash, now)
    }

    fn put_back_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()> {
        insert_token(&*self.conn()?, hash, token)
    }

    fn sweep_mfa_tokens(&self, now: i64, batch: usize) -> StoreResult<usize> {
        sweep_tokens(&*self.conn()?, now, batch)
    }
}
