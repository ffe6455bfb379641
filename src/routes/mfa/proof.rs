//! Proof for the second factor's Bearer routes: a throttle slot for the caller's name and address
//! first, then the password on a hash thread; a wrong password or code stays counted (and is
//! audited) and is 400, never 401.

use actix_web::{web, HttpRequest};

use crate::audit::{Describe, Kind};
use crate::auth::extract::Caller;
use crate::auth::password::{self, Verdict as PasswordVerdict};
use crate::auth::throttle::Attempt;
use crate::blocking;
use crate::domain;
use crate::error::ApiError;
use crate::http::report;
use crate::state::AppState;

/// A change to the caller's credentials: a throttle slot, the current
/// password on a hash thread, then `work` on a blocking thread. A wrong
/// password (or a code `work` finds wrong) stays counted and is audited.
pub(crate) async fn with_password<T, F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    caller: &Caller,
    current: String,
    work: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let username = caller.user.username.clone();
    let attempt = reserve(state, req, &username).await?;
    let outcome = match prove_password(state, caller, current).await {
        Ok(()) => {
            let rules = state.clone();
            blocking::run(move || work(&rules)).await
        }
        Err(e) => Err(e),
    };
    settle(state, req, &username, attempt, outcome)
}

/// A throttle slot for the caller's name and address (429 when full).
pub(crate) async fn reserve<'a>(
    state: &'a AppState,
    req: &HttpRequest,
    username: &str,
) -> Result<Attempt<'a>, ApiError> {
    let key = domain::login_key(username);
    let address = state.guard.client_address(req);
    let reserved = state.throttle.reserve(key.as_deref(), &address).await;
    reserved.inspect_err(|e| {
        let event = report::event(state, req, Kind::MfaCodeFailed, username);
        report::audit(state, event.reason(e.code()));
    })
}

/// The caller's current password, checked on a hash thread against the
/// stored hash read again (it may have changed since the token was checked).
pub(crate) async fn prove_password(
    state: &AppState,
    caller: &Caller,
    current: String,
) -> Result<(), ApiError> {
    let slot = state.hashing.acquire().await?;
    let store = state.store.clone();
    let username = caller.user.username.clone();
    slot.run(move || {
        let user = store
            .user_by_name(&username)?
            .ok_or(ApiError::InvalidToken)?;
        match password::verify(&current, &user.password_hash) {
            PasswordVerdict::Wrong => Err(ApiError::WrongCurrentPassword),
            _ => Ok(()),
        }
    })
    .await
}

/// A wrong password or code stays counted (and is audited); anything else
/// gives the slot back without clearing the name's failures.
pub(crate) fn settle<T>(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    attempt: Attempt<'_>,
    outcome: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match &outcome {
        Err(e @ (ApiError::WrongCurrentPassword | ApiError::WrongCode)) => {
            attempt.failed();
            let event = report::event(state, req, Kind::MfaCodeFailed, username);
            report::audit(state, event.reason(e.code()));
        }
        _ => drop(attempt),
    }
    outcome
}
