//! SQL for the `users` table. A name is found by its key (`domain::name_key`), compared byte by
//! byte; keys of users kept from a SQLite file whose names collided follow their plain key.

use postgres::GenericClient;

use super::rows::{self, column, USERNAME_ORDER, USER_COLUMNS, USER_COLUMN_COUNT};
use super::{sessions, PostgresStore};
use crate::domain;
use crate::store::users::pick_by_name;
use crate::store::{EndSessions, NameCollision, NewUser, StoreError, StoreResult, User, UserStore};

/// Marks a kept duplicate's key (see the SQLite store's `name_keys`).
const KEPT: char = '\u{1}';

/// The user holding `username`'s key, or a kept duplicate with exactly that name.
pub(super) fn by_name(
    client: &mut impl GenericClient,
    username: &str,
) -> StoreResult<Option<User>> {
    let key = domain::name_key(username);
    let upper = format!("{key}\u{2}");
    let rows = client.query(
        &format!(
            "SELECT {USER_COLUMNS}, u.username_key FROM users u
             WHERE u.username_key >= $1 AND u.username_key < $2 ORDER BY u.id"
        ),
        &[&key, &upper],
    )?;
    let found = rows
        .iter()
        .map(|row| Ok((rows::user(row, 0)?, column(row, USER_COLUMN_COUNT)?)))
        .collect::<StoreResult<Vec<(User, String)>>>()?;
    Ok(pick_by_name(found, username))
}

fn collisions(client: &mut postgres::Client) -> StoreResult<Vec<NameCollision>> {
    let kept = client.query(
        "SELECT id, username, username_key FROM users WHERE strpos(username_key, chr(1)) > 0 ORDER BY id",
        &[],
    )?;
    let mut found = Vec::with_capacity(kept.len());
    for row in kept {
        let key: String = column(&row, 2)?;
        let plain = key.split(KEPT).next().unwrap_or_default();
        let held_by = client
            .query_opt(
                "SELECT id, username FROM users WHERE username_key = $1",
                &[&plain],
            )?
            .map(|row| StoreResult::Ok((column(&row, 0)?, column(&row, 1)?)))
            .transpose()?;
        found.push(NameCollision {
            id: column(&row, 0)?,
            username: column(&row, 1)?,
            held_by,
        });
    }
    Ok(found)
}

/// A taken key is a conflict naming the user.
fn name_taken(error: postgres::Error, name: &str) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("user {name} already exists")),
        other => other,
    }
}

/// Makes `groups` the user's whole set of groups.
pub(super) fn write_groups(
    tx: &mut impl GenericClient,
    user_id: i64,
    groups: &[String],
) -> StoreResult<()> {
    tx.execute("DELETE FROM user_groups WHERE user_id = $1", &[&user_id])?;
    tx.execute(
        "INSERT INTO user_groups (user_id, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
        &[&user_id, &groups],
    )?;
    Ok(())
}

impl UserStore for PostgresStore {
    fn user_by_name(&self, username: &str) -> StoreResult<Option<User>> {
        by_name(&mut self.conn()?.client, username)
    }

    fn name_collisions(&self) -> StoreResult<Vec<NameCollision>> {
        collisions(&mut self.conn()?.client)
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        let rows = self.conn()?.client.query(
            &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY {USERNAME_ORDER}"),
            &[],
        )?;
        rows.iter().map(|row| rows::user(row, 0)).collect()
    }

    fn has_enabled_admin(&self) -> StoreResult<bool> {
        let row = self.conn()?.client.query_one(
            "SELECT EXISTS (SELECT 1 FROM users WHERE admin AND NOT disabled)",
            &[],
        )?;
        column(&row, 0)
    }

    fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User> {
        self.in_transaction(|tx| {
            let inserted = tx
                .query_one(
                    "INSERT INTO users (username, username_key, email, full_name, password_hash,
                                        admin, disabled, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    &[
                        &user.username,
                        &domain::name_key(&user.username),
                        &user.email,
                        &user.full_name,
                        &user.password_hash,
                        &user.admin,
                        &user.disabled,
                        &now,
                    ],
                )
                .map_err(|e| name_taken(e, &user.username))?;
            let id: i64 = column(&inserted, 0)?;
            write_groups(tx, id, &user.groups)?;
            let row = tx.query_one(
                &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"),
                &[&id],
            )?;
            rows::user(&row, 0)
        })
    }

    fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now: i64,
        end: EndSessions,
    ) -> StoreResult<()> {
        self.in_transaction(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                &[&user_id, &hash, &now],
            )?;
            // Also ends logins waiting for their second step (see end_for_user).
            sessions::end_for_user(tx, user_id, end, now)?;
            Ok(())
        })
    }

    /// The new key's uniqueness decides between two renames at once.
    fn rename_user(&self, username: &str, new_name: &str, now: i64) -> StoreResult<Option<User>> {
        self.in_transaction(|tx| {
            let Some(before) = by_name(tx, username)? else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE users SET username = $2, username_key = $3, updated_at = $4 WHERE id = $1",
                &[&before.id, &new_name, &domain::name_key(new_name), &now],
            )
            .map_err(|e| name_taken(e, new_name))?;
            by_name(tx, new_name)
        })
    }
}
