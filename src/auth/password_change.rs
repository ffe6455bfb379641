//! A password change: counted by the login throttle before any hash (a stolen access token cannot
//! guess the current password quickly), then one job on a hash thread that reads the hash again,
//! checks the current password, stores the new hash and ends every other session in one
//! transaction. It takes the throttle, the hash threads and the store, not the app: what follows a
//! change outside the rules (the bootstrap password file) is the caller's `after` step.

use std::sync::Arc;

use crate::auth::extract::Caller;
use crate::auth::hashing::HashSlots;
use crate::auth::password::{self, Verdict};
use crate::auth::throttle::LoginThrottle;
use crate::clock;
use crate::domain::{self, NewPassword};
use crate::error::ApiError;
use crate::store::{EndReason, EndSessions, Store};

/// Changes the caller's password (`current` to `new`) from `address`. A
/// wrong current password is `WrongCurrentPassword` and counts as a failed
/// login; a right one neither counts nor resets the name's count. `after`
/// runs with the username on the hash thread once the new hash is stored.
pub async fn change(
    (throttle, hashing, store): (&LoginThrottle, &HashSlots, Arc<dyn Store>),
    caller: Caller,
    (current, new): (String, NewPassword),
    address: &str,
    after: impl FnOnce(&str) + Send + 'static,
) -> Result<(), ApiError> {
    let key = domain::login_key(&caller.user.username);
    let attempt = throttle.reserve(key.as_deref(), address).await?;
    let slot = hashing.acquire().await?;
    let outcome = slot
        .run(move || {
            // Read again: the hash may have changed since the token was checked.
            let user = store
                .user_by_name(&caller.user.username)?
                .ok_or(ApiError::InvalidToken)?;
            if password::verify(&current, &user.password_hash) == Verdict::Wrong {
                return Err(ApiError::WrongCurrentPassword);
            }
            let hash = password::hash(&new).map_err(ApiError::internal)?;
            let keep = EndSessions::AllBut(&caller.session_id, EndReason::PasswordChanged);
            store.set_password_hash(user.id, &hash, clock::now_ms(), keep)?;
            after(&user.username);
            Ok(())
        })
        .await;
    match outcome {
        Err(ApiError::WrongCurrentPassword) => attempt.failed(),
        _ => drop(attempt),
    }
    outcome
}
