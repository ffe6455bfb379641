//! `latchkey user passkeys NAME [--remove ID]`: list a user's passkeys, or remove one (ending the
//! user's sessions, as the admin API's removal does); a removal is recorded as `passkey_removed`.

use super::audit::cli_event;
use super::users::find;
use super::CommandError;
use crate::audit::Kind;
use crate::clock;
use crate::store::{EndReason, EndSessions, Store};

/// One line per passkey: id, name, when it was added and last used.
pub(super) fn passkeys(
    store: &dyn Store,
    name: &str,
    remove: Option<String>,
) -> Result<(), CommandError> {
    let user = find(store, name)?;
    if let Some(id) = remove {
        let end = EndSessions::All(EndReason::MfaChanged);
        if store.remove_passkeys(user.id, Some(&id), end, clock::now_ms())? == 0 {
            return Err(CommandError::NoPasskey {
                user: user.username,
                id,
            });
        }
        cli_event(store, Kind::PasskeyRemoved, &user.username);
        println!(
            "removed passkey {id} of {} and ended its sessions",
            user.username
        );
        return Ok(());
    }
    for passkey in store.passkeys(user.id)? {
        let used = passkey.last_used_at.map_or("never".into(), clock::rfc3339);
        println!(
            "{}  {}  added {}  last used {used}",
            passkey.id,
            passkey.name,
            clock::rfc3339(passkey.created_at)
        );
    }
    Ok(())
}
