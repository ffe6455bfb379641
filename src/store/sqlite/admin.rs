//! SQL for the admin users API. Filters are parameters and the sort column comes from a fixed list;
//! a change and the last-admin check share one IMMEDIATE transaction, so two admins cannot demote
//! each other at once.

use rusqlite::{params, Connection, ToSql, Transaction, TransactionBehavior};

use super::{rows, sessions, users, SqliteStore};
use crate::domain;
use crate::store::admin::{ends_sessions, last_admin};
use crate::store::{
    AdminStore, EndSessions, StoreError, StoreResult, User, UserChange, UserQuery, UserSort,
};

/// Every filter is "unset or matches", so one statement serves all queries.
/// SQLite's `lower` folds ASCII only: the username is also searched in its
/// key with the folded search text (?5), so `q=ÉLISE` finds `Élise`.
const FILTER: &str = "FROM users u
     WHERE (?1 IS NULL OR instr(lower(u.username), lower(?1)) > 0
                       OR instr(u.username_key, ?5) > 0
                       OR instr(lower(coalesce(u.email, '')), lower(?1)) > 0
                       OR instr(lower(coalesce(u.full_name, '')), lower(?1)) > 0)
       AND (?2 IS NULL OR u.disabled = ?2)
       AND (?3 IS NULL OR u.admin = ?3)
       AND (?4 IS NULL OR u.username IN (SELECT value FROM json_each(?4)))
       AND (?6 IS NULL OR EXISTS (SELECT 1 FROM user_groups g
                                  WHERE g.user_id = u.id AND g.name = ?6))";

fn sort_column(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Username => "u.username",
        UserSort::Email => "u.email COLLATE NOCASE",
        UserSort::FullName => "u.full_name COLLATE NOCASE",
        UserSort::CreatedAt => "u.created_at",
        UserSort::Disabled => "u.disabled",
        UserSort::Admin => "u.admin",
    }
}

/// The page and the number of users matching the filters, read in one
/// transaction so the two agree. Ties fall back to the username, ascending,
/// so pages never overlap.
pub(super) fn query(conn: &mut Connection, query: &UserQuery) -> StoreResult<(Vec<User>, u64)> {
    let usernames = match &query.usernames {
        Some(names) => Some(serde_json::to_string(names).map_err(StoreError::other)?),
        None => None,
    };
    let limit = query
        .limit
        .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let folded = query.search.as_deref().map(domain::name_key);
    let args: [&dyn ToSql; 8] = [
        &query.search,
        &query.disabled,
        &query.admin,
        &usernames,
        &folded,
        &query.group,
        &limit,
        &offset,
    ];
    let tx = conn.transaction()?;
    let total: i64 = tx
        .prepare_cached(&format!("SELECT COUNT(*) {FILTER}"))?
        .query_row(&args[..6], |row| row.get(0))?;
    let page = tx
        .prepare_cached(&page_sql(query))?
        .query_map(&args[..], |row| rows::user(row, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit()?;
    Ok((page, u64::try_from(total).unwrap_or(0)))
}

fn page_sql(query: &UserQuery) -> String {
    let direction = if query.descending { "DESC" } else { "ASC" };
    format!(
        "SELECT {} {FILTER} ORDER BY {} {direction}, u.username LIMIT ?7 OFFSET ?8",
        rows::USER_COLUMNS,
        sort_column(query.sort)
    )
}

/// `None` when there is no such user. Ends the user's sessions when it is
/// disabled, demoted or given a new password.
pub(super) fn update(
    conn: &mut Connection,
    username: &str,
    change: &UserChange,
    now: i64,
) -> StoreResult<Option<User>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(before) = users::by_name(&tx, username)? else {
        return Ok(None);
    };
    let admin = change.admin.unwrap_or(before.admin);
    let disabled = change.disabled.unwrap_or(before.disabled);
    if !admin || disabled {
        refuse_last_admin(&tx, &before)?;
    }
    tx.execute(
        "UPDATE users SET
             email = CASE WHEN ?2 THEN ?3 ELSE email END,
             full_name = CASE WHEN ?4 THEN ?5 ELSE full_name END,
             admin = ?6, disabled = ?7,
             password_hash = coalesce(?8, password_hash),
             updated_at = ?9
         WHERE id = ?1",
        params![
            before.id,
            change.email.is_some(),
            change.email.clone().flatten(),
            change.full_name.is_some(),
            change.full_name.clone().flatten(),
            admin,
            disabled,
            change.password_hash,
            now
        ],
    )?;
    if let Some(groups) = &change.groups {
        users::write_groups(&tx, before.id, &groups.apply(&before.groups))?;
    }
    if let Some(reason) = ends_sessions(&before, change, admin, disabled) {
        sessions::end_for_user(&tx, before.id, EndSessions::All(reason), now)?;
    }
    let after = users::by_name(&tx, &before.username)?;
    tx.commit()?;
    Ok(after)
}

/// `None` when there is no such user; else the user as it was. Its sessions
/// go with it (by cascade).
pub(super) fn delete(conn: &mut Connection, username: &str) -> StoreResult<Option<User>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(user) = users::by_name(&tx, username)? else {
        return Ok(None);
    };
    refuse_last_admin(&tx, &user)?;
    tx.execute("DELETE FROM users WHERE id = ?1", [user.id])?;
    tx.commit()?;
    Ok(Some(user))
}

/// Refuses to take away the last enabled admin; a user that is not an
/// enabled admin now can always be changed.
fn refuse_last_admin(tx: &Transaction, user: &User) -> StoreResult<()> {
    if !user.admin || user.disabled {
        return Ok(());
    }
    let others: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE admin = 1 AND disabled = 0 AND id <> ?1)",
        [user.id],
        |row| row.get(0),
    )?;
    if others {
        Ok(())
    } else {
        Err(last_admin(user))
    }
}

impl AdminStore for SqliteStore {
    fn query_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, u64)> {
        self::query(&mut *self.conn()?, query)
    }

    fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        now: i64,
    ) -> StoreResult<Option<User>> {
        update(&mut *self.conn()?, username, change, now)
    }

    fn delete_user_unless_last_admin(&self, username: &str) -> StoreResult<Option<User>> {
        delete(&mut *self.conn()?, username)
    }
}
