//! SQL for the admin users API. Filters are parameters and the sort column comes from a fixed list;
//! the admin rules (`store::admin`) run after one advisory lock for their transaction, so two
//! admins on two instances cannot demote each other at once.

use postgres::types::ToSql;
use postgres::Transaction;

use super::rows::{self, column, USER_COLUMNS};
use super::{schema, sessions, users, PostgresStore};
use crate::store::admin::{self, AdminTx, Flags, Search};
use crate::store::{
    AdminStore, EndReason, EndSessions, StoreResult, User, UserChange, UserQuery, UserSort,
};

/// Every filter is "unset or matches", so one statement serves all queries.
/// The search (`admin::Search`) is $1 folded by `name_key` within the
/// username's key and $5 folded in ASCII within the email and full name:
/// `lower` under the "C" collation folds ASCII alone, as SQLite's does,
/// whatever the server's locale.
const FILTER: &str = r#"FROM users u
     WHERE ($1::text IS NULL OR strpos(u.username_key, $1) > 0
                             OR strpos(lower(coalesce(u.email, '') COLLATE "C"), $5) > 0
                             OR strpos(lower(coalesce(u.full_name, '') COLLATE "C"), $5) > 0)
       AND ($2::boolean IS NULL OR u.disabled = $2)
       AND ($3::boolean IS NULL OR u.admin = $3)
       AND ($4::text[] IS NULL OR lower(u.username) = ANY($4))
       AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM user_groups g
                                        WHERE g.user_id = u.id AND g.name = $6))"#;

fn sort_column(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Username => rows::USERNAME_ORDER,
        UserSort::Email => r#"lower(u.email COLLATE "C")"#,
        UserSort::FullName => r#"lower(u.full_name COLLATE "C")"#,
        UserSort::CreatedAt => "u.created_at",
        UserSort::Disabled => "u.disabled",
        UserSort::Admin => "u.admin",
    }
}

/// The page and the number of matches, read from one snapshot so they
/// agree. Empty values sort first, as in SQLite; ties fall back to the
/// username, so pages never overlap.
fn query(client: &mut postgres::Client, query: &UserQuery) -> StoreResult<(Vec<User>, u64)> {
    let usernames: Option<Vec<String>> = query
        .usernames
        .as_ref()
        .map(|names| names.iter().map(|n| n.to_lowercase()).collect());
    let limit = query.limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let search = Search::of(query);
    let (key, ascii) = (
        search.as_ref().map(|s| &s.key),
        search.as_ref().map(|s| &s.ascii),
    );
    let args: [&(dyn ToSql + Sync); 8] = [
        &key,
        &query.disabled,
        &query.admin,
        &usernames,
        &ascii,
        &query.group,
        &limit,
        &offset,
    ];
    let (direction, nulls) = match query.descending {
        true => ("DESC", "NULLS LAST"),
        false => ("ASC", "NULLS FIRST"),
    };
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let total: i64 = column(
        &tx.query_one(&format!("SELECT COUNT(*) {FILTER}"), &args[..6])?,
        0,
    )?;
    let page = tx.query(
        &format!(
            "SELECT {USER_COLUMNS} {FILTER} ORDER BY {} {direction} {nulls}, {}
             LIMIT $7 OFFSET $8",
            sort_column(query.sort),
            rows::USERNAME_ORDER
        ),
        &args,
    )?;
    tx.commit()?;
    Ok((
        page.iter()
            .map(|row| rows::user(row, 0))
            .collect::<StoreResult<_>>()?,
        u64::try_from(total).unwrap_or(0),
    ))
}

/// Serialises the admin rules' transactions across every instance: taken
/// before the user is read, so each decides on what the one before it wrote.
fn lock_admins(tx: &mut Transaction) -> StoreResult<()> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext('admins'))",
        &[&schema::LOCK_SPACE],
    )?;
    Ok(())
}

/// The admin rules' primitives on a transaction that took `lock_admins` first.
impl AdminTx for Transaction<'_> {
    fn user(&mut self, username: &str) -> StoreResult<Option<User>> {
        users::by_name(self, username)
    }

    fn other_enabled_admin(&mut self, id: i64) -> StoreResult<bool> {
        let row = self.query_one(
            "SELECT EXISTS (SELECT 1 FROM users WHERE admin AND NOT disabled AND id <> $1)",
            &[&id],
        )?;
        column(&row, 0)
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
                 email = CASE WHEN $2 THEN $3 ELSE email END,
                 full_name = CASE WHEN $4 THEN $5 ELSE full_name END,
                 admin = $6, disabled = $7,
                 password_hash = coalesce($8, password_hash),
                 updated_at = $9
             WHERE id = $1",
            &[
                &id,
                &change.email.is_some(),
                &change.email.clone().flatten(),
                &change.full_name.is_some(),
                &change.full_name.clone().flatten(),
                &flags.admin,
                &flags.disabled,
                &change.password_hash,
                &now,
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
        self.execute("DELETE FROM users WHERE id = $1", &[&id])?;
        Ok(())
    }
}

impl AdminStore for PostgresStore {
    fn query_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, u64)> {
        self::query(&mut self.conn()?.client, query)
    }

    fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        now: i64,
    ) -> StoreResult<Option<User>> {
        self.in_transaction(|tx| {
            lock_admins(tx)?;
            admin::update_user(tx, username, change, now)
        })
    }

    fn delete_user_unless_last_admin(&self, username: &str) -> StoreResult<Option<User>> {
        self.in_transaction(|tx| {
            lock_admins(tx)?;
            admin::delete_user(tx, username)
        })
    }
}
