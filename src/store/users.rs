//! Users as stored, and the store's operations on them by name: look up, list, add, rename, set a
//! password.

use super::{EndSessions, NameCollision, StoreResult};

#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub password_hash: String,
    pub admin: bool,
    pub disabled: bool,
    pub created_at: i64,
    /// Moves on with every change that ends the user's sessions (password,
    /// second factor, disable, logout-all): a login starts a session only if
    /// it is still the one read before its password was checked.
    pub credentials_version: i64,
    /// Sorted, without duplicates.
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub password_hash: String,
    pub admin: bool,
    pub disabled: bool,
    /// Valid names (see `domain::GroupName`); stored as a set.
    pub groups: Vec<String>,
}

/// Users by name: what login, the CLI and the first-admin bootstrap ask of the store.
pub trait UserStore {
    /// By the name's key (see `domain::name_key`), so every spelling of a
    /// name finds its user; a user whose exact name is given comes first.
    fn user_by_name(&self, username: &str) -> StoreResult<Option<User>>;
    /// Users whose names collided when keys were introduced (for a warning).
    fn name_collisions(&self) -> StoreResult<Vec<NameCollision>>;
    fn list_users(&self) -> StoreResult<Vec<User>>;
    fn has_enabled_admin(&self) -> StoreResult<bool>;
    /// With its groups, in one transaction. Fails with `Conflict` when the name's key is taken.
    fn insert_user(&self, user: &NewUser, now: i64) -> StoreResult<User>;
    fn set_password_hash(
        &self,
        user_id: i64,
        hash: &str,
        now: i64,
        end: EndSessions,
    ) -> StoreResult<()>;
    /// `None` for an unknown user, else the renamed user; `Conflict` when
    /// the new name's key is taken by another user.
    fn rename_user(&self, username: &str, new_name: &str, now: i64) -> StoreResult<Option<User>>;
}

/// Of the users whose keys fall in a name's key range (its own and those
/// kept from before keys were unique), the one `username` names: an exact
/// spelling first, else the key's holder.
pub(crate) fn pick_by_name(found: Vec<(User, String)>, username: &str) -> Option<User> {
    let key = crate::domain::name_key(username);
    let normal = crate::domain::nfkc(username);
    let mut found = found;
    let exact = found
        .iter()
        .position(|(user, _)| user.username == username || user.username == normal);
    let chosen = exact.or_else(|| found.iter().position(|(_, k)| *k == key));
    chosen.map(|at| found.swap_remove(at).0)
}
