//! SQL for `sessions` and `refresh_ids` outside the refresh rules (those are in `session_tx`):
//! ending, reading and sweeping sessions.

use std::sync::OnceLock;

use rusqlite::{params, Connection, OptionalExtension, ToSql};

use super::rows::{self, SESSION_COLUMNS, SESSION_COLUMN_COUNT};
use super::{portal, session_tx, SqliteStore};
use crate::store::signing_keys::key_live;
use crate::store::{
    EndReason, EndSessions, PortalTouch, Session, SessionStore, SessionWork, StoreResult, Swept,
    User,
};

/// Ends a live session only if it belongs to `user_id`, so one user cannot
/// even learn whether another user's session id exists.
fn end_own(
    conn: &Connection,
    user_id: i64,
    session_id: &str,
    reason: EndReason,
    now: i64,
) -> StoreResult<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET ended_at = ?4, end_reason = ?3
         WHERE id = ?1 AND user_id = ?2 AND end_reason IS NULL",
        params![session_id, user_id, reason.as_str(), now],
    )?;
    Ok(ended == 1)
}

/// Ends the user's sessions (but the kept one) and moves its credentials
/// version on, in the caller's transaction: a login that checked the user
/// before this commits starts no session after it (see `SessionRules::start`),
/// and its `mfa_token`s, proved with what this replaces, are gone.
pub(super) fn end_for_user(
    conn: &Connection,
    user_id: i64,
    end: EndSessions,
    now: i64,
) -> StoreResult<usize> {
    let Some((keep, reason)) = end.kept_and_reason() else {
        return Ok(0);
    };
    conn.prepare_cached(
        "UPDATE users SET credentials_version = credentials_version + 1 WHERE id = ?1",
    )?
    .execute([user_id])?;
    conn.prepare_cached("DELETE FROM mfa_tokens WHERE user_id = ?1")?
        .execute([user_id])?;
    Ok(conn.execute(
        "UPDATE sessions SET ended_at = ?3, end_reason = ?2
         WHERE user_id = ?1 AND end_reason IS NULL AND id IS NOT ?4",
        params![user_id, reason.as_str(), now, keep],
    )?)
}

/// The session and its user, if `kid` (when given) names a live signing key
/// (`key_live!`): one statement, as this runs on every authenticated request.
fn with_user(
    conn: &Connection,
    session_id: &str,
    kid: Option<&str>,
) -> StoreResult<Option<(Session, User)>> {
    // Built once: every Bearer request looks its statement up by this text.
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {}, ?2 IS NULL OR {}
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
            rows::USER_COLUMNS,
            key_live!("?2"),
        )
    });
    let key_live_at = SESSION_COLUMN_COUNT + rows::USER_COLUMN_COUNT;
    let found = conn
        .prepare_cached(sql)?
        .query_row(params![session_id, kid], |row| {
            let key_live: bool = row.get(key_live_at)?;
            if !key_live {
                return Ok(None);
            }
            Ok(Some((
                rows::session(row)?,
                rows::user(row, SESSION_COLUMN_COUNT)?,
            )))
        })
        .optional()?;
    Ok(found.flatten())
}

fn live_for_user(conn: &Connection, user_id: i64, now: i64) -> StoreResult<Vec<Session>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s
         WHERE s.user_id = ?1 AND s.end_reason IS NULL
           AND s.idle_expires_at > ?2 AND s.absolute_expires_at > ?2
         ORDER BY s.last_used_at DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let sessions = stmt.query_map(params![user_id, now], rows::session)?;
    Ok(sessions.collect::<Result<_, _>>()?)
}

/// Deletes up to `batch` dead sessions, then up to `batch` refresh ids whose
/// session is gone. Candidates are found with plain reads (no write lock), so the
/// write lock is held only to delete a small batch by primary key.
fn sweep(conn: &Connection, now: i64, batch: usize) -> StoreResult<Swept> {
    let dead: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM sessions
             WHERE end_reason IS NOT NULL OR idle_expires_at <= ?1 OR absolute_expires_at <= ?1
             LIMIT ?2",
        )?
        .query_map(params![now, batch as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let sessions = delete_each(
        conn,
        "DELETE FROM sessions WHERE id = ?1
           AND (end_reason IS NOT NULL OR idle_expires_at <= ?2 OR absolute_expires_at <= ?2)",
        dead.iter()
            .map(|id| vec![id as &dyn ToSql, &now as &dyn ToSql]),
    )?;
    let orphans: Vec<Vec<u8>> = conn
        .prepare_cached(
            "SELECT r.hash FROM refresh_ids r
             WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = r.session_id) LIMIT ?1",
        )?
        .query_map([batch as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let refresh_ids = delete_each(
        conn,
        "DELETE FROM refresh_ids WHERE hash = ?1",
        orphans.iter().map(|hash| vec![hash as &dyn ToSql]),
    )?;
    Ok(Swept {
        sessions,
        refresh_ids,
    })
}

/// Runs one DELETE per parameter set, all in one short transaction.
fn delete_each<'a>(
    conn: &Connection,
    sql: &str,
    each: impl Iterator<Item = Vec<&'a dyn ToSql>>,
) -> StoreResult<usize> {
    let mut delete = conn.prepare_cached(sql)?;
    let tx = conn.unchecked_transaction()?;
    let mut deleted = 0;
    for params in each {
        deleted += delete.execute(params.as_slice())?;
    }
    tx.commit()?;
    Ok(deleted)
}

fn count_live_sessions(conn: &Connection, now: i64) -> StoreResult<u64> {
    let count: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM sessions
             WHERE end_reason IS NULL AND idle_expires_at > ?1 AND absolute_expires_at > ?1",
        )?
        .query_row([now], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

impl SessionStore for SqliteStore {
    /// One writer: every job is in order already.
    fn submit_session_work(&self, _affinity: Option<u64>, work: SessionWork) {
        let mut work = work;
        self.writer
            .enqueue(Box::new(move |conn: StoreResult<&Connection>| {
                let keep = match conn {
                    Ok(conn) => work.run(Ok(&session_tx::InTransaction(conn))),
                    Err(e) => work.run(Err(e)),
                };
                (keep, Box::new(move |committed| work.answer(committed)))
            }));
    }

    fn end_user_sessions(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<usize> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ended = end_for_user(&tx, user_id, end, now)?;
        tx.commit()?;
        Ok(ended)
    }

    fn session_with_user(
        &self,
        session_id: &str,
        kid: Option<&str>,
    ) -> StoreResult<Option<(Session, User)>> {
        self.on_read_connection(|conn| with_user(conn, session_id, kid))
    }

    fn in_one_snapshot(&self, run: &mut dyn FnMut()) {
        self.run_pinned(run);
    }

    fn live_sessions(&self, user_id: i64, now: i64) -> StoreResult<Vec<Session>> {
        live_for_user(&*self.conn()?, user_id, now)
    }

    fn sweep(&self, now: i64, batch: usize) -> StoreResult<Swept> {
        sweep(&*self.conn()?, now, batch)
    }

    fn end_own_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: EndReason,
        now: i64,
    ) -> StoreResult<bool> {
        end_own(&*self.conn()?, user_id, session_id, reason, now)
    }

    fn count_live_sessions(&self, now: i64) -> StoreResult<u64> {
        count_live_sessions(&*self.conn()?, now)
    }

    fn portal_session(&self, hash: &[u8; 32]) -> StoreResult<Option<(Session, User)>> {
        self.on_read_connection(|conn| portal::by_hash(conn, hash))
    }

    fn touch_portal_session(&self, touch: &PortalTouch) -> StoreResult<bool> {
        portal::touch(&*self.conn()?, touch)
    }
}
