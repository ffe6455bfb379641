//! SQL for `sessions` and `refresh_ids` outside the refresh rules (those are in `session_tx`):
//! ending, reading and sweeping sessions. The sweep runs on one instance at a time.

use std::sync::OnceLock;

use postgres::GenericClient;

use super::rows::{
    self, column, SESSION_COLUMNS, SESSION_COLUMN_COUNT, USER_COLUMNS, USER_COLUMN_COUNT,
};
use super::{sweep_lock, PostgresStore};
use crate::store::signing_keys::key_live;
use crate::store::{
    EndReason, EndSessions, PortalTouch, Session, SessionStore, SessionWork, StoreResult, Swept,
    User,
};

/// Ends the user's sessions (but the kept one) and moves its credentials
/// version on, in the caller's transaction. The version's UPDATE comes
/// first and takes the user's row lock: a session writer's batch that read
/// the user `FOR SHARE` commits first (and its new session is ended here) or
/// reads the new version once this commits (see `SessionRules::start`). Its
/// `mfa_token`s, proved with what this replaces, are gone.
pub(super) fn end_for_user(
    client: &mut impl GenericClient,
    user_id: i64,
    end: EndSessions,
    now: i64,
) -> StoreResult<usize> {
    let Some((keep, reason)) = end.kept_and_reason() else {
        return Ok(0);
    };
    client.execute(
        "UPDATE users SET credentials_version = credentials_version + 1 WHERE id = $1",
        &[&user_id],
    )?;
    client.execute("DELETE FROM mfa_tokens WHERE user_id = $1", &[&user_id])?;
    let ended = client.execute(
        "UPDATE sessions SET ended_at = $3, end_reason = $2
         WHERE user_id = $1 AND end_reason IS NULL AND id IS DISTINCT FROM $4",
        &[&user_id, &reason.as_str(), &now, &keep],
    )?;
    Ok(ended as usize)
}

/// Deletes up to `batch` dead sessions, then up to `batch` refresh ids
/// whose session is gone; nothing when another instance is sweeping.
fn sweep(client: &mut postgres::Client, now: i64, batch: usize) -> StoreResult<Swept> {
    let mut tx = client.transaction()?;
    if !sweep_lock(&mut tx, "sessions")? {
        return Ok(Swept::default());
    }
    let batch = batch as i64;
    let sessions = tx.execute(
        "DELETE FROM sessions WHERE id IN (
             SELECT id FROM sessions
             WHERE end_reason IS NOT NULL OR idle_expires_at <= $1 OR absolute_expires_at <= $1
             LIMIT $2)",
        &[&now, &batch],
    )? as usize;
    let refresh_ids = tx.execute(
        "DELETE FROM refresh_ids WHERE hash IN (
             SELECT r.hash FROM refresh_ids r
             WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = r.session_id) LIMIT $1)",
        &[&batch],
    )? as usize;
    tx.commit()?;
    Ok(Swept {
        sessions,
        refresh_ids,
    })
}

impl SessionStore for PostgresStore {
    fn submit_session_work(&self, affinity: Option<u64>, work: SessionWork) {
        self.writer.enqueue(affinity, work);
    }

    fn end_user_sessions(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<usize> {
        self.in_transaction(|tx| end_for_user(tx, user_id, end, now))
    }

    /// One round trip: the session, its user, and whether the token's key
    /// is live (`key_live!`: a revoked or unknown `kid` answers `None`).
    fn session_with_user(
        &self,
        session_id: &str,
        kid: Option<&str>,
    ) -> StoreResult<Option<(Session, User)>> {
        static SQL: OnceLock<String> = OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}, $2::text IS NULL OR {}
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
                key_live!("$2"),
            )
        });
        let mut conn = self.conn()?;
        let statement = conn.prepared(sql)?;
        let Some(row) = conn.client.query_opt(&statement, &[&session_id, &kid])? else {
            return Ok(None);
        };
        let key_live: bool = column(&row, SESSION_COLUMN_COUNT + USER_COLUMN_COUNT)?;
        if !key_live {
            return Ok(None);
        }
        Ok(Some((
            rows::session(&row)?,
            rows::user(&row, SESSION_COLUMN_COUNT)?,
        )))
    }

    fn live_sessions(&self, user_id: i64, now: i64) -> StoreResult<Vec<Session>> {
        let rows = self.conn()?.client.query(
            &format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s
                 WHERE s.user_id = $1 AND s.end_reason IS NULL
                   AND s.idle_expires_at > $2 AND s.absolute_expires_at > $2
                 ORDER BY s.last_used_at DESC"
            ),
            &[&user_id, &now],
        )?;
        rows.iter().map(rows::session).collect()
    }

    fn sweep(&self, now: i64, batch: usize) -> StoreResult<Swept> {
        sweep(&mut self.conn()?.client, now, batch)
    }

    /// Only a live session of `user_id`, so one user cannot even learn
    /// whether another user's session id exists.
    fn end_own_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: EndReason,
        now: i64,
    ) -> StoreResult<bool> {
        let ended = self.conn()?.client.execute(
            "UPDATE sessions SET ended_at = $4, end_reason = $3
             WHERE id = $1 AND user_id = $2 AND end_reason IS NULL",
            &[&session_id, &user_id, &reason.as_str(), &now],
        )?;
        Ok(ended == 1)
    }

    fn count_live_sessions(&self, now: i64) -> StoreResult<u64> {
        let row = self.conn()?.client.query_one(
            "SELECT COUNT(*) FROM sessions
             WHERE end_reason IS NULL AND idle_expires_at > $1 AND absolute_expires_at > $1",
            &[&now],
        )?;
        let count: i64 = column(&row, 0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn portal_session(&self, hash: &[u8; 32]) -> StoreResult<Option<(Session, User)>> {
        self.portal_by_hash(hash)
    }

    fn touch_portal_session(&self, touch: &PortalTouch) -> StoreResult<bool> {
        self.touch_portal(touch)
    }
}
