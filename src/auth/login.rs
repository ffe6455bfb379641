//! Login: a throttle slot first (no hash for a blocked or impossible name), then one job on a hash thread that finds the user, checks the password, upgrades an old hash and starts the session (through the session writer).

use std::sync::Arc;

use actix_web::web;

use crate::auth::password::{self, Verdict};
use crate::auth::sessions::{Client, Grant};
use crate::blocking;
use crate::clock;
use crate::domain::{self, NewPassword, RefreshSecret};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{EndSessions, Store, User};

pub struct Credentials {
    pub username: String,
    pub password: String,
}

pub async fn login(
    state: web::Data<AppState>,
    credentials: Credentials,
    presented: Option<RefreshSecret>,
    client: Client,
) -> Result<Grant, ApiError> {
    let address = client.ip.clone().unwrap_or_default();
    let key = domain::login_key(&credentials.username);
    // Counted before any hash, so attempts in flight count and parallel
    // guesses never pass the limit together.
    let attempt = state.throttle.reserve(key.as_deref(), &address).await?;
    if key.is_none() {
        // No user can have this name: a failure of the address, no hash.
        attempt.failed();
        return Err(ApiError::InvalidCredentials);
    }
    let slot = state.hashing.acquire().await?;
    let worker_state = Arc::clone(&state);
    let outcome = slot
        .run(move || {
            let state = worker_state;
            let store = state.store.as_ref();
            let now = clock::now_ms();
            let user = check_password(store, &credentials)?;
            let rules = state.clone();
            blocking::sessions_from_blocking_thread(store, move |tx| {
                rules
                    .sessions
                    .start(tx, user, presented.as_ref(), client, now)
            })
        })
        .await;
    match &outcome {
        Ok(_) => attempt.succeeded(),
        Err(ApiError::InvalidCredentials) => attempt.failed(),
        // Busy or an error proved nothing: the slot is given back on drop.
        Err(_) => {}
    }
    outcome
}

/// Same cost and same answer for a missing user, a wrong password and a
/// disabled user.
fn check_password(store: &dyn Store, credentials: &Credentials) -> Result<User, ApiError> {
    // By the name's key: any spelling of the name (`ÉLISE`, its decomposed
    // form, `STRASSE` for `Straße`) finds the user.
    let Some(user) = store.user_by_name(&credentials.username)? else {
        password::verify_against_nothing(&credentials.password);
        return Err(ApiError::InvalidCredentials);
    };
    let verdict = password::verify(&credentials.password, &user.password_hash);
    if verdict == Verdict::Wrong || user.disabled {
        return Err(ApiError::InvalidCredentials);
    }
    if verdict == Verdict::RightButOutdated {
        upgrade_hash(store, &user, &credentials.password);
    }
    Ok(user)
}

/// A failed upgrade must not fail the login: the old hash still works.
fn upgrade_hash(store: &dyn Store, user: &User, password: &str) {
    // Imported passwords may be shorter than today's minimum; hash them as they are.
    let Ok(rehashed) = password::hash(&NewPassword::imported(password)) else {
        return;
    };
    if let Err(e) = store.set_password_hash(user.id, &rehashed, clock::now_ms(), EndSessions::None)
    {
        tracing::warn!(user = %user.username, error = %e, "could not upgrade the password hash");
    }
}
