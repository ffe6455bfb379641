//! SQL for passkeys on PostgreSQL (as in SQLite): each user's handle, public keys with their
//! counters, and single-use ceremonies. A use moves a counter on only from the value its check
//! read, so two sign-ins on any instances never both pass on one count.

use postgres::Row;

use super::rows::{self, column, USER_COLUMNS, USER_COLUMN_COUNT};
use super::{sessions, sweep_lock, PostgresStore};
use crate::store::{
    Ceremony, EndSessions, PasskeyChallenge, PasskeyRecord, PasskeyStore, PasskeyUse, StoreError,
    StoreResult, User,
};

const COLUMNS: &str =
    "p.id, p.user_id, p.credential_id, p.credential, p.counter, p.name, p.created_at, p.last_used_at";
const COLUMN_COUNT: usize = 8;

fn passkey(row: &Row) -> StoreResult<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: column(row, 0)?,
        user_id: column(row, 1)?,
        credential_id: column(row, 2)?,
        credential: column(row, 3)?,
        counter: u32::try_from(column::<i64>(row, 4)?).unwrap_or(u32::MAX),
        name: column(row, 5)?,
        created_at: column(row, 6)?,
        last_used_at: column(row, 7)?,
    })
}

fn handle(bytes: Vec<u8>) -> StoreResult<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::other("a passkey handle that is not 16 bytes"))
}

fn challenge(row: &Row) -> StoreResult<PasskeyChallenge> {
    Ok(PasskeyChallenge {
        ceremony: Ceremony::parse(&column::<String>(row, 0)?),
        user_id: column(row, 1)?,
        state: column(row, 2)?,
        expires_at: column(row, 3)?,
        client: column(row, 4)?,
    })
}

impl PasskeyStore for PostgresStore {
    fn passkey_handle(&self, user_id: i64, new: [u8; 16]) -> StoreResult<[u8; 16]> {
        let mut conn = self.conn()?;
        conn.client.execute(
            "INSERT INTO passkey_users (user_id, handle) VALUES ($1, $2)
             ON CONFLICT (user_id) DO NOTHING",
            &[&user_id, &&new[..]],
        )?;
        let row = conn.client.query_one(
            "SELECT handle FROM passkey_users WHERE user_id = $1",
            &[&user_id],
        )?;
        handle(column(&row, 0)?)
    }

    fn passkeys(&self, user_id: i64) -> StoreResult<Vec<PasskeyRecord>> {
        let rows = self.conn()?.client.query(
            &format!(
                "SELECT {COLUMNS} FROM passkeys p WHERE p.user_id = $1 ORDER BY p.created_at, p.id"
            ),
            &[&user_id],
        )?;
        rows.iter().map(passkey).collect()
    }

    fn add_passkey(&self, p: &PasskeyRecord, end: EndSessions) -> StoreResult<bool> {
        self.in_transaction(|tx| {
            let added = tx.execute(
                "INSERT INTO passkeys (id, user_id, credential_id, credential, counter, name, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credential_id) DO NOTHING",
                &[
                    &p.id,
                    &p.user_id,
                    &p.credential_id,
                    &p.credential,
                    &i64::from(p.counter),
                    &p.name,
                    &p.created_at,
                ],
            )?;
            if added == 1 {
                sessions::end_for_user(tx, p.user_id, end, p.created_at)?;
            }
            Ok(added == 1)
        })
    }

    fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<(PasskeyRecord, User, [u8; 16])>> {
        let row = self.conn()?.client.query_opt(
            &format!(
                "SELECT {COLUMNS}, {USER_COLUMNS}, h.handle FROM passkeys p
                 JOIN users u ON u.id = p.user_id JOIN passkey_users h ON h.user_id = p.user_id
                 WHERE p.credential_id = $1"
            ),
            &[&credential_id],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = rows::user(&row, COLUMN_COUNT)?;
        let bytes = column(&row, COLUMN_COUNT + USER_COLUMN_COUNT)?;
        Ok(Some((passkey(&row)?, user, handle(bytes)?)))
    }

    fn use_passkey(&self, used: &PasskeyUse) -> StoreResult<bool> {
        let moved = self.conn()?.client.execute(
            "UPDATE passkeys SET counter = $3, credential = $4, last_used_at = $5
             WHERE id = $1 AND counter = $2",
            &[
                &used.id,
                &i64::from(used.from_counter),
                &i64::from(used.counter),
                &used.credential,
                &used.now,
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
        let row = self.conn()?.client.query_opt(
            &format!(
                "UPDATE passkeys AS p SET name = $3 WHERE p.user_id = $1 AND p.id = $2
                 RETURNING {COLUMNS}"
            ),
            &[&user_id, &id, &name],
        )?;
        row.as_ref().map(passkey).transpose()
    }

    fn remove_passkeys(
        &self,
        user_id: i64,
        id: Option<&str>,
        end: EndSessions,
        now: i64,
    ) -> StoreResult<usize> {
        self.in_transaction(|tx| {
            let removed = tx.execute(
                "DELETE FROM passkeys WHERE user_id = $1 AND ($2::TEXT IS NULL OR id = $2)",
                &[&user_id, &id],
            )?;
            if removed > 0 {
                sessions::end_for_user(tx, user_id, end, now)?;
            }
            Ok(removed as usize)
        })
    }

    fn passkey_counts(&self, user_ids: &[i64]) -> StoreResult<Vec<(i64, u32)>> {
        let rows = self.conn()?.client.query(
            "SELECT user_id, COUNT(*) FROM passkeys WHERE user_id = ANY($1) GROUP BY user_id",
            &[&user_ids],
        )?;
        rows.iter()
            .map(|row| {
                let count = u32::try_from(column::<i64>(row, 1)?).unwrap_or(u32::MAX);
                Ok((column(row, 0)?, count))
            })
            .collect()
    }

    /// The count and the insert are one statement, not one transaction:
    /// racing sign-ins from one address may pass the cap by a few.
    fn insert_passkey_challenge(
        &self,
        hash: &[u8; 32],
        c: &PasskeyChallenge,
        (most, now): (u32, i64),
    ) -> StoreResult<bool> {
        let inserted = self.conn()?.client.execute(
            "INSERT INTO passkey_challenges (hash, ceremony, user_id, state, expires_at, client)
             SELECT $1, $2, $3, $4, $5, $6::BYTEA
             WHERE $6::BYTEA IS NULL OR (SELECT COUNT(*) FROM passkey_challenges
                                         WHERE client = $6::BYTEA AND expires_at > $7) < $8",
            &[
                &&hash[..],
                &c.ceremony.as_str(),
                &c.user_id,
                &c.state,
                &c.expires_at,
                &c.client,
                &now,
                &i64::from(most),
            ],
        )?;
        Ok(inserted == 1)
    }

    fn take_passkey_challenge(
        &self,
        hash: &[u8; 32],
        now: i64,
    ) -> StoreResult<Option<PasskeyChallenge>> {
        let row = self.conn()?.client.query_opt(
            "DELETE FROM passkey_challenges WHERE hash = $1 AND expires_at > $2
             RETURNING ceremony, user_id, state, expires_at, client",
            &[&&hash[..], &now],
        )?;
        row.as_ref().map(challenge).transpose()
    }

    fn sweep_passkey_challenges(&self, now: i64, batch: usize) -> StoreResult<usize> {
        self.in_transaction(|tx| {
            if !sweep_lock(tx, "passkey_challenges")? {
                return Ok(0);
            }
            Ok(tx.execute(
                "DELETE FROM passkey_challenges WHERE hash IN
                   (SELECT hash FROM passkey_challenges WHERE expires_at <= $1 LIMIT $2)",
                &[&now, &(batch as i64)],
            )? as usize)
        })
    }
}
