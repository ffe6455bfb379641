//! `latchkey user groups NAME [--add G] [--remove G]`: print a user's groups, or change them in the
//! admin API's own transaction first; a change is recorded as `groups_changed`.

use super::users::find;
use super::CommandError;
use crate::audit::{self, Describe, Kind};
use crate::clock;
use crate::store::{GroupsChange, Store, UserChange};

/// Prints the user's groups; with `--add`/`--remove`, changes them first in
/// one transaction (the admin API's own store operation).
pub(super) fn groups(
    store: &dyn Store,
    name: &str,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<(), CommandError> {
    let before = find(store, name)?;
    let user = match add.is_empty() && remove.is_empty() {
        true => before.clone(),
        false => {
            let change = UserChange {
                groups: Some(GroupsChange::Edit { add, remove }),
                ..UserChange::default()
            };
            store
                .update_user(&before.username, &change, clock::now_ms())?
                .ok_or_else(|| CommandError::NoUser(name.into()))?
        }
    };
    groups_event(store, &user.username, &before.groups, &user.groups);
    for group in &user.groups {
        println!("{group}");
    }
    Ok(())
}

/// Records `groups_changed` when the groups did change.
pub(super) fn groups_event(store: &dyn Store, username: &str, before: &[String], after: &[String]) {
    let Some(reason) = audit::groups_reason(before, after) else {
        return;
    };
    let event = audit::event(Kind::GroupsChanged, username)
        .actor("cli")
        .reason(&reason);
    if let Err(e) = store.append_audit(&[event]) {
        eprintln!("warning: could not write the audit event: {e}");
    }
}
