//! How rows are read: every column through `column`, which answers a column of an unexpected type
//! with an error naming it (never `Row::get`'s panic); the user and session column lists and their
//! readers, shared by every file that joins them.

use postgres::types::FromSql;
use postgres::Row;

use super::errors::UnreadColumn;
use crate::store::{
    EndReason, Factors, IssueTimes, Session, SessionKind, StoreError, StoreResult, User,
};

/// The value of column `at`, or `StoreError::Other` naming the column when
/// it does not hold a `T` (a schema out of step with the code).
pub(super) fn column<'a, T: FromSql<'a>>(row: &'a Row, at: usize) -> StoreResult<T> {
    row.try_get(at).map_err(|source| {
        let column = match row.columns().get(at) {
            Some(column) => column.name().to_string(),
            None => format!("#{at}"),
        };
        StoreError::other(UnreadColumn { column, source })
    })
}

/// Users in SQLite's order (`COLLATE NOCASE`: ASCII case folded, then
/// byte order), whatever the server's locale: a bare `ORDER BY username`
/// follows the collation, and under "C" puts every capital first.
pub(super) const USERNAME_ORDER: &str = r#"lower(u.username COLLATE "C")"#;

pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.full_name, u.password_hash, u.admin, u.disabled, u.created_at, \
     u.credentials_version, (SELECT string_agg(g.name, ',') FROM user_groups g WHERE g.user_id = u.id)";
pub(super) const USER_COLUMN_COUNT: usize = 10;

/// Reads the `USER_COLUMNS` starting at column `at`.
pub(super) fn user(row: &Row, at: usize) -> StoreResult<User> {
    Ok(User {
        id: column(row, at)?,
        username: column(row, at + 1)?,
        email: column(row, at + 2)?,
        full_name: column(row, at + 3)?,
        password_hash: column(row, at + 4)?,
        admin: column(row, at + 5)?,
        disabled: column(row, at + 6)?,
        created_at: column(row, at + 7)?,
        credentials_version: column(row, at + 8)?,
        groups: crate::store::groups::split(column(row, at + 9)?),
    })
}

pub(super) const SESSION_COLUMNS: &str =
    "s.id, s.user_id, s.generation, s.created_at, s.last_used_at, \
     s.idle_expires_at, s.absolute_expires_at, s.end_reason, s.user_agent, s.ip, s.mfa, \
     s.issue_times, s.issued_to, s.kind";
pub(super) const SESSION_COLUMN_COUNT: usize = 14;

/// Reads the `SESSION_COLUMNS` from column 0.
pub(super) fn session(row: &Row) -> StoreResult<Session> {
    let end_reason: Option<String> = column(row, 7)?;
    Ok(Session {
        id: column(row, 0)?,
        user_id: column(row, 1)?,
        generation: column(row, 2)?,
        created_at: column(row, 3)?,
        last_used_at: column(row, 4)?,
        idle_expires_at: column(row, 5)?,
        absolute_expires_at: column(row, 6)?,
        ended: end_reason.as_deref().map(EndReason::parse),
        user_agent: column(row, 8)?,
        ip: column(row, 9)?,
        factors: Factors::from_code(column::<i16>(row, 10)?.into()),
        issue_times: IssueTimes::from_bytes(column(row, 11)?),
        issued_to: column(row, 12)?,
        kind: SessionKind::parse(&column::<String>(row, 13)?),
    })
}
