//! SQL for passkeys (schema version 15): `passkey_users` (each user's random handle), `passkeys`
//! (public keys and counters) and `passkey_challenges` (single-use ceremonies). A use moves the
//! counter on only from the value its check read, so two sign-ins never both pass on one count.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::{rows, sessions, SqliteStore};
use crate::store::{
    Ceremony, EndSessions, PasskeyChallenge, PasskeyRecord, PasskeyStore, PasskeyUse, StoreError,
    StoreResult, User,
};

const COLUMNS: &str =
    "p.id, p.user_id, p.credential_id, p.credential, p.counter, p.name, p.created_at, p.last_used_at";
const COLUMN_COUNT: usize = 8;

fn passkey(row: &Row) -> rusqlite::Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: row.get(0)?,
        user_id: row.get(1)?,
        credential_id: row.get(2)?,
        credential: row.get(3)?,
        counter: row.get(4)?,
        name: row.get(5)?,
        created_at: row.get(6)?,
        last_used_at: row.get(7)?,
    })
}

fn handle(bytes: Vec<u8>) -> StoreResult<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::other("a passkey handle that is not 16 bytes"))
}

fn add(conn: &mut Connection, p: &PasskeyRecord, end: EndSessions) -> StoreResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let added = tx.execute(
        "INSERT INTO passkeys (id, user_id, credential_id, credential, counter, name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (credential_id) DO NOTHING",
        params![
            p.id,
            p.user_id,
            p.credential_id,
            p.credential,
            p.counter,
            p.name,
            p.created_at
        ],
    )?;
    if added == 1 {
        sessions::end_for_user(&tx, p.user_id, end, p.created_at)?;
    }
    tx.commit()?;
    Ok(added == 1)
}

fn remove(
    conn: &mut Connection,
    user_id: i64,
    id: Option<&str>,
    (end, now): (EndSessions, i64),
) -> StoreResult<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = tx.execute(
        "DELETE FROM passkeys WHERE user_id = ?1 AND (?2 IS NULL OR id = ?2)",
        params![user_id, id],
    )?;
    if removed > 0 {
        sessions::end_for_user(&tx, user_id, end, now)?;
    }
    tx.commit()?;
    Ok(removed)
}

fn by_credential(
    conn: &Connection,
    credential_id: &[u8],
) -> StoreResult<Option<(PasskeyRecord, User, [u8; 16])>> {
    let sql = format!(
        "SELECT {COLUMNS}, {}, h.handle FROM passkeys p
         JOIN users u ON u.id = p.user_id JOIN passkey_users h ON h.user_id = p.user_id
         WHERE p.credential_id = ?1",
        rows::USER_COLUMNS
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_row([credential_id], |row| {
            let at = COLUMN_COUNT + rows::USER_COLUMN_COUNT;
            Ok((passkey(row)?, rows::user(row, COLUMN_COUNT)?, row.get(at)?))
        })
        .optional()?;
    found
        .map(|(passkey, user, bytes)| Ok((passkey, user, handle(bytes)?)))
        .transpose()
}

fn challenge(row: &Row) -> rusqlite::Result<PasskeyChallenge> {
    Ok(PasskeyChallenge {
        ceremony: Ceremony::parse(&row.get::<_, String>(0)?),
        user_id: row.get(1)?,
        state: row.get(2)?,
        expires_at: row.get(3)?,
        client: row.get(4)?,
    })
}

impl PasskeyStore for SqliteStore {
    fn passkey_handle(&self, user_id: i64, new: [u8; 16]) -> StoreResult<[u8; 16]> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO passkey_users (user_id, handle) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO NOTHING",
            params![user_id, &new[..]],
        )?;
        let stored: Vec<u8> = conn.query_row(
            "SELECT handle FROM passkey_users WHERE user_id = ?1",
            [user_id],
            |row| row.get(0),
        )?;
        handle(stored)
    }

    fn passkeys(&self, user_id: i64) -> StoreResult<Vec<PasskeyRecord>> {
        let conn = self.conn()?;
        let sql = format!(
            "SELECT {COLUMNS} FROM passkeys p WHERE p.user_id = ?1 ORDER BY p.created_at, p.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let found = stmt.query_map([user_id], passkey)?;
        Ok(found.collect::<rusqlite::Result<_>>()?)
    }

    fn add_passkey(&self, passkey: &PasskeyRecord, end: EndSessions) -> StoreResult<bool> {
        add(&mut *self.conn()?, passkey, end)
    }

    fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<(PasskeyRecord, User, [u8; 16])>> {
        by_credential(&*self.conn()?, credential_id)
    }

    fn use_passkey(&self, used: &PasskeyUse) -> StoreResult<bool> {
        let moved = self.conn()?.execute(
            "UPDATE passkeys SET counter = ?3, credential = ?4, last_used_at = ?5
             WHERE id = ?1 AND counter = ?2",
            params![
                used.id,
                used.from_counter,
                used.counter,
                used.credential,
                used.now
            ],
        )?;
        Ok(moved == 1)
    }

    fn rename_passkey(
        &self,
        user_id: i64,
        id: &str,
        name: &str,
    ) -> StoreResult<Option<PasskeyRecord>> {
        // SQLite's RETURNING takes bare column names, not the `p.` of `COLUMNS`.
        let sql = format!(
            "UPDATE passkeys SET name = ?3 WHERE user_id = ?1 AND id = ?2 RETURNING {}",
            COLUMNS.replace("p.", "")
        );
        let renamed = self
            .conn()?
            .prepare_cached(&sql)?
            .query_row(params![user_id, id, name], passkey)
            .optional()?;
        Ok(renamed)
    }

    fn remove_passkeys(
        &self,
        user_id: i64,
        id: Option<&str>,
        end: EndSessions,
        now: i64,
    ) -> StoreResult<usize> {
        remove(&mut *self.conn()?, user_id, id, (end, now))
    }

    fn passkey_counts(&self, user_ids: &[i64]) -> StoreResult<Vec<(i64, u32)>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached("SELECT COUNT(*) FROM passkeys WHERE user_id = ?1")?;
        let mut counts = Vec::new();
        for id in user_ids {
            let count: u32 = stmt.query_row([id], |row| row.get(0))?;
            if count > 0 {
                counts.push((*id, count));
            }
        }
        Ok(counts)
    }

    fn insert_passkey_challenge(
        &self,
        hash: &[u8; 32],
        c: &PasskeyChallenge,
        (most, now): (u32, i64),
    ) -> StoreResult<bool> {
        let inserted = self.conn()?.execute(
            "INSERT INTO passkey_challenges (hash, ceremony, user_id, state, expires_at, client)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE ?6 IS NULL OR (SELECT COUNT(*) FROM passkey_challenges
                                  WHERE client = ?6 AND expires_at > ?7) < ?8",
            params![
                &hash[..],
                c.ceremony.as_str(),
                c.user_id,
                c.state,
                c.expires_at,
                c.client,
                now,
                most
            ],
        )?;
        Ok(inserted == 1)
    }

    fn take_passkey_challenge(
        &self,
        hash: &[u8; 32],
        now: i64,
    ) -> StoreResult<Option<PasskeyChallenge>> {
        let taken = self
            .conn()?
            .prepare_cached(
                "DELETE FROM passkey_challenges WHERE hash = ?1 AND expires_at > ?2
                 RETURNING ceremony, user_id, state, expires_at, client",
            )?
            .query_row(params![&hash[..], now], challenge)
            .optional()?;
        Ok(taken)
    }

    fn sweep_passkey_challenges(&self, now: i64, batch: usize) -> StoreResult<usize> {
        Ok(self.conn()?.execute(
            "DELETE FROM passkey_challenges WHERE hash IN
               (SELECT hash FROM passkey_challenges WHERE expires_at <= ?1 LIMIT ?2)",
            params![now, batch as i64],
        )?)
    }
}
