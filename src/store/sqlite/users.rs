//! SQL for the `users` table.

use rusqlite::{params, Connection};

use super::rows::{self, USER_COLUMNS, USER_COLUMN_COUNT};
use super::{name_keys, sessions, SqliteStore};
use crate::domain;
use crate::store::users::pick_by_name;
use crate::store::{EndSessions, NameCollision, NewUser, StoreError, StoreResult, User, UserStore};

/// Finds the user by the name's key. The range also takes the key's kept
/// duplicates (see `name_keys`), so a user kept from before version 8 is
/// still found by its exact name; otherwise the key's holder answers.
pub(super) fn by_name(conn: &Connection, username: &str) -> StoreResult<Option<User>> {
    let key = domain::name_key(username);
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.username_key FROM users u
         WHERE u.username_key >= ?1 AND u.username_key < ?2 ORDER BY u.id"
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_map(params![key, name_keys::upper_bound(&key)], |row| {
            Ok((
                rows::user(row, 0)?,
                row.get::<_, String>(USER_COLUMN_COUNT)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pick_by_name(found, username))
}

pub(super) fn list(conn: &Connection) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
    let mut stmt = conn.prepare_cached(&sql)?;
    let users = stmt.query_map([], |row| rows::user(row, 0))?;
    Ok(users.collect::<Result<_, _>>()?)
}

pub(super) fn has_enabled_admin(conn: &Connection) -> StoreResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE admin = 1 AND disabled = 0)",
        [],
        |row| row.get(0),
    )?)
}

pub(super) fn insert(conn: &mut Connection, user: &NewUser, now: i64) -> StoreResult<User> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let inserted = tx.execute(
        "INSERT INTO users (username, username_key, email, full_name, password_hash, admin, disabled, created_at, updated_at)
         VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![user.username, user.email, user.full_name, user.password_hash, user.admin, user.disabled, now, domain::name_key(&user.username)],
    );
    match inserted.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => {
            return Err(StoreError::Conflict(format!(
                "user {} already exists",
                user.username
            )))
        }
        Err(other) => return Err(other),
        Ok(_) => write_groups(&tx, tx.last_insert_rowid(), &user.groups)?,
    }
    let created =
        by_name(&tx, &user.username)?.ok_or_else(|| StoreError::other("inserted user vanished"))?;
    tx.commit()?;
    Ok(created)
}

/// Makes `groups` the user's whole set of groups.
pub(super) fn write_groups(conn: &Connection, user_id: i64, groups: &[String]) -> StoreResult<()> {
    let names = serde_json::to_string(groups).map_err(StoreError::other)?;
    conn.prepare_cached("DELETE FROM user_groups WHERE user_id = ?1")?
        .execute([user_id])?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO user_groups (user_id, name) SELECT ?1, value FROM json_each(?2)",
    )?
    .execute(params![user_id, names])?;
    Ok(())
}

/// Gives the user a new name and key in one IMMEDIATE transaction, so the
/// key's uniqueness decides between two renames at once. Access tokens carry
/// the old name and stop working; refresh issues tokens with the new one.
pub(super) fn rename(
    conn: &mut Connection,
    username: &str,
    new_name: &str,
    now: i64,
) -> StoreResult<Option<User>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let Some(before) = by_name(&tx, username)? else {
        return Ok(None);
    };
    let changed = tx.execute(
        "UPDATE users SET username = ?2, username_key = ?3, updated_at = ?4 WHERE id = ?1",
        params![before.id, new_name, domain::name_key(new_name), now],
    );
    match changed.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => {
            return Err(StoreError::Conflict(format!(
                "user {new_name} already exists"
            )))
        }
        Err(other) => return Err(other),
        Ok(_) => {}
    }
    let after = by_name(&tx, new_name)?;
    tx.commit()?;
    Ok(after)
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
    // Ending sessions also ends logins waiting for their second step (their
    // password was proved with the old one); a rehash at login ends nothing.
    sessions::end_for_user(&tx, user_id, end, now)?;
    Ok(tx.commit()?)
}

impl UserStore for SqliteStore {
    fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        by_name(&*self.conn()?, username)
    }

    fn name_collisions(&self) -> StoreResult<Vec<NameCollision>> {
        Ok(name_keys::collisions(&*self.conn()?)?)
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        list(&*self.conn()?)
    }

    fn has_enabled_admin(&self) -> StoreResult<bool> {
        has_enabled_admin(&*self.conn()?)
    }

    fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User> {
        insert(&mut *self.conn()?, user, now)
    }

    fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now: i64,
        end: EndSessions,
    ) -> StoreResult<()> {
        set_password_hash(&mut *self.conn()?, user_id, hash, now, end)
    }

    fn rename_user(&self, username: &str, new_name: &str, now: i64) -> StoreResult<Option<User>> {
        rename(&mut *self.conn()?, username, new_name, now)
    }
}
