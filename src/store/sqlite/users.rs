//! SQL for the `users` table.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::sessions;
use crate::store::{EndSessions, NewUser, StoreError, StoreResult, User};

pub(super) const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.full_name, u.password_hash, u.admin, u.disabled, u.created_at";

/// Reads the `USER_COLUMNS` starting at column `at`.
pub(super) fn from_row(row: &Row, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        email: row.get(at + 2)?,
        full_name: row.get(at + 3)?,
        password_hash: row.get(at + 4)?,
        admin: row.get(at + 5)?,
        disabled: row.get(at + 6)?,
        created_at: row.get(at + 7)?,
    })
}

pub(super) fn by_name(conn: &Connection, username: &str) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([username], |row| from_row(row, 0))
        .optional()?)
}

pub(super) fn list(conn: &Connection) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
    let mut stmt = conn.prepare_cached(&sql)?;
    let users = stmt.query_map([], |row| from_row(row, 0))?;
    Ok(users.collect::<Result<_, _>>()?)
}

pub(super) fn has_enabled_admin(conn: &Connection) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE admin = 1 AND disabled = 0)",
        [],
        |row| row.get(0),
    )?)
}

pub(super) fn insert(conn: &Connection, user: &NewUser, now: i64) -> StoreResult<User> {
    let inserted = conn.execute(
        "INSERT INTO users (username, email, full_name, password_hash, admin, disabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![user.username, user.email, user.full_name, user.password_hash, user.admin, user.disabled, now],
    );
    match inserted.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
            "user {} already exists",
            user.username
        ))),
        Err(other) => Err(other),
        Ok(_) => by_name(conn, &user.username)?
            .ok_or_else(|| StoreError::Other("inserted user vanished".into())),
    }
}

pub(super) fn set_password_hash(
    conn: &mut Connection,
    user_id: i64,
    hash: &str,
    now: i64,
    end: EndSessions,
) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
        params![user_id, hash, now],
    )?;
    sessions::end_for_user(&tx, user_id, end, now)?;
    Ok(tx.commit()?)
}
