//! What the admin users API asks of the store, and its rules written once above both stores: the
//! last enabled admin is never taken away, and a change that takes away rights ends the sessions.

use super::{EndReason, GroupsChange, StoreError, StoreResult, User};
use crate::domain;

/// A column users can be sorted by; the store maps each to fixed SQL, so no request text reaches a query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UserSort {
    #[default]
    Username,
    Email,
    FullName,
    CreatedAt,
    Disabled,
    Admin,
}

/// One page of the user list. Every filter that is set must match.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// Case-insensitive substring of username, email or full name (folded
    /// as `Search` says).
    pub search: Option<String>,
    pub disabled: Option<bool>,
    pub admin: Option<bool>,
    /// Only these usernames (case-insensitively); `None` means any.
    pub usernames: Option<Vec<String>>,
    /// Only members of this group.
    pub group: Option<String>,
    pub sort: UserSort,
    pub descending: bool,
    pub offset: u64,
    /// At most this many; `None` means all that remain.
    pub limit: Option<u64>,
}

/// The search text in the two forms both stores compare, so `?q=` finds the same users on each.
/// The username is compared by its key, the folding login finds users by (`domain::name_key`:
/// NFKC and full Unicode case folding), so `q=STRASSE` finds `Straße` as login would. Email and
/// full name have no stored key, and neither database can fold a column as Rust does (SQLite's
/// `lower` knows ASCII only, PostgreSQL's follows the server's locale), so both are compared
/// with ASCII letters folded and every other character as written, on both stores alike.
pub(crate) struct Search {
    /// `name_key` of the text, a substring of the username's key.
    pub key: String,
    /// The text with ASCII letters lowered, a substring of the email or full
    /// name with theirs lowered.
    pub ascii: String,
}

impl Search {
    pub(crate) fn of(query: &UserQuery) -> Option<Search> {
        query.search.as_deref().map(|text| Search {
            key: domain::name_key(text),
            ascii: text.to_ascii_lowercase(),
        })
    }
}

/// A change to one user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    /// `Some(None)` clears the email.
    pub email: Option<Option<String>>,
    /// `Some(None)` clears the full name.
    pub full_name: Option<Option<String>>,
    pub admin: Option<bool>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    /// Applied to the groups the transaction reads (see `GroupsChange::apply`).
    pub groups: Option<GroupsChange>,
}

/// A user kept from before names were unique under case folding, whose
/// name is one with an older user's: it logs in by its exact name only,
/// until one of the two is renamed or deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameCollision {
    pub id: i64,
    pub username: String,
    /// The older user holding the name (id, username); `None` once deleted.
    pub held_by: Option<(i64, String)>,
}

/// The admin users API's reads and writes, each with its own rules applied in one transaction.
pub trait AdminStore {
    /// One page of users and how many match the filters in all.
    fn query_users(&self, query: &UserQuery) -> StoreResult<(Vec<User>, u64)>;
    /// `None` for an unknown user. In one transaction: refuses (`Conflict`) to
    /// demote or disable the last enabled admin, applies the change, and ends
    /// the user's sessions when it is disabled, demoted or given a password.
    /// Groups are changed in the same transaction.
    fn update_user(
        &self,
        username: &str,
        change: &UserChange,
        now: i64,
    ) -> StoreResult<Option<User>>;
    /// `None` for an unknown user, else the deleted user; refuses (`Conflict`)
    /// to delete the last enabled admin, in the same transaction.
    fn delete_user_unless_last_admin(&self, username: &str) -> StoreResult<Option<User>>;
}

/// What a store offers the admin rules below, all inside one transaction that no other change to
/// admins can interleave with: SQLite's IMMEDIATE transaction holds the file's write lock, and
/// PostgreSQL takes an advisory lock before anything is read, so that on many instances two
/// demotions of the last two admins are still decided one after the other.
pub(crate) trait AdminTx {
    /// The user by name, as this transaction sees it.
    fn user(&mut self, username: &str) -> StoreResult<Option<User>>;
    /// Whether an enabled admin other than the user `id` exists.
    fn other_enabled_admin(&mut self, id: i64) -> StoreResult<bool>;
    /// Writes the change's fields, with `admin` and `disabled` as decided.
    fn write_user(
        &mut self,
        id: i64,
        change: &UserChange,
        flags: Flags,
        now: i64,
    ) -> StoreResult<()>;
    fn write_groups(&mut self, id: i64, groups: &[String]) -> StoreResult<()>;
    fn end_sessions(&mut self, id: i64, reason: EndReason, now: i64) -> StoreResult<()>;
    fn delete_user(&mut self, id: i64) -> StoreResult<()>;
}

/// A user's admin and disabled flags after a change.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flags {
    pub admin: bool,
    pub disabled: bool,
}

/// `None` for an unknown user. Refuses to take away the last enabled admin,
/// applies the change and its groups, and ends the user's sessions when the
/// change calls for it; the user as it is afterwards.
pub(crate) fn update_user(
    tx: &mut dyn AdminTx,
    username: &str,
    change: &UserChange,
    now: i64,
) -> StoreResult<Option<User>> {
    let Some(before) = tx.user(username)? else {
        return Ok(None);
    };
    let flags = Flags {
        admin: change.admin.unwrap_or(before.admin),
        disabled: change.disabled.unwrap_or(before.disabled),
    };
    if !flags.admin || flags.disabled {
        refuse_last_admin(tx, &before)?;
    }
    tx.write_user(before.id, change, flags, now)?;
    if let Some(groups) = &change.groups {
        tx.write_groups(before.id, &groups.apply(&before.groups))?;
    }
    if let Some(reason) = ends_sessions(&before, change, flags) {
        tx.end_sessions(before.id, reason, now)?;
    }
    tx.user(&before.username)
}

/// `None` for an unknown user, else the user as it was before its deletion;
/// refuses to delete the last enabled admin.
pub(crate) fn delete_user(tx: &mut dyn AdminTx, username: &str) -> StoreResult<Option<User>> {
    let Some(user) = tx.user(username)? else {
        return Ok(None);
    };
    refuse_last_admin(tx, &user)?;
    tx.delete_user(user.id)?;
    Ok(Some(user))
}

/// Refuses to take away the last enabled admin; a user that is not an
/// enabled admin now can always be changed.
fn refuse_last_admin(tx: &mut dyn AdminTx, user: &User) -> StoreResult<()> {
    if !user.admin || user.disabled || tx.other_enabled_admin(user.id)? {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "{} is the last enabled admin; make another user an admin first",
        user.username
    )))
}

/// Why a change ends the user's sessions, if it does: tokens carry the admin
/// claim, and a new password or a disabled account must lock everyone out.
fn ends_sessions(before: &User, change: &UserChange, after: Flags) -> Option<EndReason> {
    if after.disabled && !before.disabled {
        Some(EndReason::UserDisabled)
    } else if change.password_hash.is_some() {
        Some(EndReason::PasswordChanged)
    } else if before.admin && !after.admin {
        Some(EndReason::Revoked)
    } else {
        None
    }
}
