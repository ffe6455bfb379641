//! SQL for the sign-in portal's sessions: found by the SHA-256 of their cookie's value (never the
//! value), and their idle limit moved on at most once per interval, so a busy browser does not
//! write on every forward-auth check.

use std::sync::OnceLock;

use super::rows::{self, SESSION_COLUMNS, SESSION_COLUMN_COUNT, USER_COLUMNS};
use super::PostgresStore;
use crate::store::{PortalTouch, Session, StoreResult, User};

impl PostgresStore {
    pub(super) fn portal_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<(Session, User)>> {
        static SQL: OnceLock<String> = OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.portal_hash = $1 AND s.kind = 'portal'"
            )
        });
        let mut conn = self.conn()?;
        let statement = conn.prepared(sql)?;
        let Some(row) = conn.client.query_opt(&statement, &[&&hash[..]])? else {
            return Ok(None);
        };
        Ok(Some((
            rows::session(&row)?,
            rows::user(&row, SESSION_COLUMN_COUNT)?,
        )))
    }

    pub(super) fn touch_portal(&self, touch: &PortalTouch) -> StoreResult<bool> {
        let moved = self.conn()?.client.execute(
            "UPDATE sessions SET last_used_at = $2, idle_expires_at = $3
             WHERE id = $1 AND kind = 'portal' AND end_reason IS NULL AND last_used_at < $4",
            &[
                &touch.session_id,
                &touch.now,
                &touch.idle_expires_at,
                &touch.written_before,
            ],
        )?;
        Ok(moved == 1)
    }
}
