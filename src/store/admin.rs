//! What the admin users API asks of the store: a filtered, sorted page of users, and changes that
//! carry their own session and last-admin rules.

use super::{EndReason, GroupsChange, StoreError, StoreResult, User};

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
    /// Case-insensitive substring of username, email or full name.
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

/// Why a change ends the user's sessions, if it does: tokens carry the admin
/// claim, and a new password or a disabled account must lock everyone out.
pub(crate) fn ends_sessions(
    before: &User,
    change: &UserChange,
    admin: bool,
    disabled: bool,
) -> Option<EndReason> {
    if disabled && !before.disabled {
        Some(EndReason::UserDisabled)
    } else if change.password_hash.is_some() {
        Some(EndReason::PasswordChanged)
    } else if before.admin && !admin {
        Some(EndReason::Revoked)
    } else {
        None
    }
}

/// The refusal to take away `user`, the last enabled admin.
pub(crate) fn last_admin(user: &User) -> StoreError {
    StoreError::Conflict(format!(
        "{} is the last enabled admin; make another user an admin first",
        user.username
    ))
}
