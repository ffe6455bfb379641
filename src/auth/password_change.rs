//! A password change: counted by the login throttle before any hash (a stolen access token cannot
//! guess the current password quickly), then one job on a hash thread that reads the hash again,
//! checks the current password, stores the new hash and ends every other session in one
//! transaction.

use actix_web::web;

use crate::auth::extract::Caller;
use crate::auth::password::{self, Verdict};
use crate::bootstrap;
use crate::clock;
use crate::domain::{self, NewPassword};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{EndReason, EndSessions};

/// Changes the caller's password from `address`. A wrong current password
/// is `WrongCurrentPassword` and counts as a failed login; a right one
/// neither counts nor resets the name's count.
pub async fn change(
    state: &web::Data<AppState>,
    caller: Caller,
    current: String,
    new: NewPassword,
    address: &str,
) -> Result<(), ApiError> {
    let key = domain::login_key(&caller.user.username);
    let attempt = state.throttle.reserve(key.as_deref(), address).await?;
    let slot = state.hashing.acquire().await?;
    let store = state.store.clone();
    let password_file = state.bootstrap_password_file.clone();
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
            bootstrap::forget_password(&user.username, &password_file);
            Ok(())
        })
        .await;
    match outcome {
        Err(ApiError::WrongCurrentPassword) => attempt.failed(),
        _ => drop(attempt),
    }
    outcome
}
