//! How a user and a session are read from a row: the column lists and their readers, shared by
//! every file that joins them, so no SQL file imports another for them.

use rusqlite::Row;

use crate::store::{EndReason, Factors, IssueTimes, Session, SessionKind, User};

pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.full_name, u.password_hash, u.admin, u.disabled, u.created_at, \
     u.credentials_version, (SELECT group_concat(g.name, ',') FROM user_groups g WHERE g.user_id = u.id)";
pub(super) const USER_COLUMN_COUNT: usize = 10;

/// Reads the `USER_COLUMNS` starting at column `at`.
pub(super) fn user(row: &Row, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        email: row.get(at + 2)?,
        full_name: row.get(at + 3)?,
        password_hash: row.get(at + 4)?,
        admin: row.get(at + 5)?,
        disabled: row.get(at + 6)?,
        created_at: row.get(at + 7)?,
        credentials_version: row.get(at + 8)?,
        groups: crate::store::groups::split(row.get::<_, Option<String>>(at + 9)?),
    })
}

pub(super) const SESSION_COLUMNS: &str =
    "s.id, s.user_id, s.generation, s.created_at, s.last_used_at, \
     s.idle_expires_at, s.absolute_expires_at, s.end_reason, s.user_agent, s.ip, s.mfa, \
     s.issue_times, s.issued_to, s.kind";
pub(super) const SESSION_COLUMN_COUNT: usize = 14;

/// Reads the `SESSION_COLUMNS` from column 0.
pub(super) fn session(row: &Row) -> rusqlite::Result<Session> {
    let end_reason: Option<String> = row.get(7)?;
    Ok(Session {
        id: row.get(0)?,
        user_id: row.get(1)?,
        generation: row.get(2)?,
        created_at: row.get(3)?,
        last_used_at: row.get(4)?,
        idle_expires_at: row.get(5)?,
        absolute_expires_at: row.get(6)?,
        ended: end_reason.as_deref().map(EndReason::parse),
        user_agent: row.get(8)?,
        ip: row.get(9)?,
        factors: Factors::from_code(row.get(10)?),
        issue_times: IssueTimes::from_bytes(row.get::<_, Option<Vec<u8>>>(11)?.as_deref()),
        issued_to: row.get(12)?,
        kind: SessionKind::parse(&row.get::<_, String>(13)?),
    })
}
