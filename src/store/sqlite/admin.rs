//! SQL for the admin users API. Filters are parameters and the sort column comes from a fixed list;
//! the admin rules (`store::admin`) run on one IMMEDIATE transaction, so two admins cannot demote
//! each other at once.

use rusqlite::{params, Connection, ToSql, Transaction, TransactionBehavior};

use super::{rows, sessions, users, SqliteStore};
use crate::store::admin::{self, AdminTx, Flags, Search};
use crate::store::{
    AdminStore, EndReason, EndSessions, StoreError, StoreResult, User, UserChange, UserQuery,
    UserSort,
};

/// Every filter is "unset or matches", so one statement serves all queries.
/// The search (`admin::Search`) is ?1 folded by `name_key` within the
/// username's key and ?5 folded in ASCII within the email and full name,
/// which SQLite's `lower` folds in ASCII alone.
const FILTER: &str = "FROM users u
     WHERE (?1 IS NULL OR instr(u.username_key, ?1) > 0
                       OR instr(lower(coalesce(u.email, '')), ?5) > 0
                       OR instr(lower(coalesce(u.full_name, '')), ?5) > 0)
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
    let search = Search::of(query);
    let args: [&dyn ToSql; 8] = [
        &search.as_ref().map(|s| &s.key),
        &query.disabled,
        &query.admin,
        &usernames,
        &search.as_ref().map(|s| &s.ascii),
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

/// The admin rules' primitives on the IMMEDIATE transaction each change runs in.
impl AdminTx for Transaction<'_> {
    fn user(&mut self, username: &str) -> StoreResult<Option<User>> {
        users::by_name(self, username)
    }

    fn other_enabled_admin(&mut self, id: i64) -> StoreResult<bool> {
        Ok(self.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE admin = 1 AND disabled = 0 AND id <> ?1)",
            [id],
            |row| row.get(0),
        )?)
    }

    fn write_user(
        &mut self,
        id: i64,
        change: &UserChange,
        flags: Flags,
        now: i64,
    ) -> StoreResult<()> {
        self.execute(
            "UPDATE users SET
                 email = CASE WHEN ?2 THEN ?3 ELSE email END,
                 full_name = CASE WHEN ?4 THEN ?5 ELSE full_name END,
                 admin = ?6, disabled = ?7,
                 password_hash = coalesce(?8, password_hash),
                 updated_at = ?9
             WHERE id = ?1",
            params![
                id,
                change.email.is_some(),
                change.email.clone().flatten(),
                change.full_name.is_some(),
                change.full_name.clone().flatten(),
                flags.admin,
                flags.disabled,
                change.password_hash,
                now
            ],
        )?;
        Ok(())
    }

    fn write_groups(&mut self, id: i64, groups: &[String]) -> StoreResult<()> {
        users::write_groups(self, id, groups)
    }

    fn end_sessions(&mut self, id: i64, reason: EndReason, now: i64) -> StoreResult<()> {
        sessions::end_for_user(self, id, EndSessions::All(reason), now)?;
        Ok(())
    }

    /// Its sessions go with it (by cascade).
    fn delete_user(&mut self, id: i64) -> StoreResult<()> {
        self.execute("DELETE FROM users WHERE id = ?1", [id])?;
        Ok(())
    }
}

/// Runs one of the admin rules in an IMMEDIATE transaction, committed when it succeeds.
fn in_admin_tx<T>(
    conn: &mut Connection,
    rule: impl FnOnce(&mut dyn AdminTx) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = rule(&mut tx)?;
    tx.commit()?;
    Ok(out)
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
        in_admin_tx(&mut *self.conn()?, |tx| {
            admin::update_user(tx, username, change, now)
        })
    }

    fn delete_user_unless_last_admin(&self, username: &str) -> StoreResult<Option<User>> {
        in_admin_tx(&mut *self.conn()?, |tx| admin::delete_user(tx, username))
    }
}
