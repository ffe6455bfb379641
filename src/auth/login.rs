//! Login: a throttle slot first (no hash for a blocked or impossible name), then one job on a hash
//! thread that finds the user, checks the password (and the second factor, when the user has one),
//! upgrades an old hash and starts the session (through the session writer). A right password
//! without a code answers `mfa_required`, which is no failure; a wrong code is one.

use actix_web::web;

use crate::auth::mfa::{self, Verdict};
use crate::auth::password::{self, Verdict as PasswordVerdict};
use crate::auth::sessions::{Client, Grant};
use crate::auth::throttle::Attempt;
use crate::blocking;
use crate::clock;
use crate::domain::{self, NewPassword};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{EndSessions, Factors, MfaTokenRecord, Store, User};

mod begin;
pub use begin::{Begin, Checked, Portal, SignedIn};

pub struct Credentials {
    pub username: String,
    pub password: String,
    /// A one-time or recovery code sent with the password (one-step login).
    pub otp: Option<String>,
}

/// A session, and which kind of code opened it (`None`: no second factor).
pub type LoggedIn<G = Grant> = (G, Option<Verdict>);

pub async fn login<B: Begin>(
    state: web::Data<AppState>,
    credentials: Credentials,
    begin: B,
    client: Client,
) -> Result<LoggedIn<B::Grant>, ApiError> {
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
    let worker_state = state.clone();
    let outcome = slot
        .run(move || {
            let state = worker_state;
            let store = state.store.as_ref();
            let now = clock::now_ms();
            let user = check_password(store, &credentials)?;
            let verdict = second_factor(&state, &user, credentials.otp.as_deref(), now)?;
            let factors = match verdict {
                Some(_) => Factors::PasswordAndCode,
                None => Factors::Password,
            };
            let grant = start(&state, (user, factors), begin, client, now)?;
            Ok((grant, verdict))
        })
        .await;
    settle(attempt, &outcome);
    outcome
}

/// The second step: the `mfa_token` of an `mfa_required` answer and a code.
/// The token's user is throttled as a login is; the token dies when used or
/// after `TOKEN_MAX_FAILURES` wrong codes.
pub async fn second_step<B: Begin>(
    state: web::Data<AppState>,
    (token, code): (String, String),
    begin: B,
    client: Client,
) -> (Result<LoggedIn<B::Grant>, ApiError>, Option<String>) {
    let hash = mfa::token_hash(&token);
    let store = state.store.clone();
    let found = match blocking::run(move || Ok(store.find_mfa_token(&hash)?)).await {
        Ok(found) => found,
        Err(e) => return (Err(e), None),
    };
    let username = found.as_ref().map(|(_, user)| user.username.clone());
    let address = client.ip.clone().unwrap_or_default();
    let key = username.as_deref().and_then(domain::login_key);
    let attempt = match state.throttle.reserve(key.as_deref(), &address).await {
        Ok(attempt) => attempt,
        Err(e) => return (Err(e), username),
    };
    let now = clock::now_ms();
    let Some((_, user)) = found.filter(|(token, _)| token.expires_at > now) else {
        attempt.failed();
        return (Err(ApiError::InvalidCode), username);
    };
    let worker = state.clone();
    let step = (hash, user, code);
    let outcome = blocking::run(move || use_code(&worker, step, begin, client, now)).await;
    settle(attempt, &outcome);
    (outcome, username)
}

/// The code against the token's user. The token is taken first, so a
/// second request with it (a double click) finds none and spends no code; a
/// wrong code puts it back with the failure counted, until the last one.
fn use_code<B: Begin>(
    state: &web::Data<AppState>,
    (hash, user, code): ([u8; 32], User, String),
    begin: B,
    client: Client,
    now: i64,
) -> Result<LoggedIn<B::Grant>, ApiError> {
    let store = state.store.as_ref();
    if user.disabled {
        return Err(ApiError::InvalidCredentials);
    }
    let token = store
        .take_mfa_token(&hash, now)?
        .ok_or(ApiError::InvalidCode)?;
    let verdict = match state.mfa.check(store, user.id, &code, now) {
        Ok(Verdict::Wrong) => return Err(put_back(store, &hash, token, ApiError::InvalidCode)),
        Err(e) => return Err(put_back(store, &hash, token, e)),
        Ok(verdict) => verdict,
    };
    // The credentials checked are those of the token's password check.
    let checked = User {
        credentials_version: token.credentials_version,
        ..user
    };
    let grant = start(
        state,
        (checked, Factors::PasswordAndCode),
        begin,
        client,
        now,
    )?;
    Ok((grant, Some(verdict)))
}

/// Returns a taken token for another try and passes `error` on: a wrong
/// code counts against the token, which dies at the last allowed failure.
fn put_back(
    store: &dyn Store,
    hash: &[u8; 32],
    token: MfaTokenRecord,
    error: ApiError,
) -> ApiError {
    let failures = token.failures + u32::from(matches!(error, ApiError::InvalidCode));
    if failures >= mfa::TOKEN_MAX_FAILURES {
        return error;
    }
    match store.put_back_mfa_token(hash, &MfaTokenRecord { failures, ..token }) {
        Ok(()) => error,
        Err(e) => e.into(),
    }
}

/// A wrong password or code stays counted; a full login clears the name's
/// failures; `mfa_required` (the password was right, no code yet) and busy
/// or errors prove nothing and give the slot back without clearing, so a
/// known password cannot reset the count of wrong codes.
fn settle<G>(attempt: Attempt<'_>, outcome: &Result<LoggedIn<G>, ApiError>) {
    match outcome {
        Ok(_) => attempt.succeeded(),
        Err(ApiError::InvalidCredentials | ApiError::InvalidCode) => attempt.failed(),
        Err(_) => drop(attempt),
    }
}

/// After the right password: no factor, a password-only session; with one,
/// the code sent along must verify (`invalid_code`), or none was sent and a
/// second step is handed out (`mfa_required`).
fn second_factor(
    state: &AppState,
    user: &User,
    otp: Option<&str>,
    now: i64,
) -> Result<Option<Verdict>, ApiError> {
    let store = state.store.as_ref();
    if !store.mfa(user.id)?.is_some_and(|record| record.active()) {
        return Ok(None);
    }
    match otp.filter(|code| !code.trim().is_empty()) {
        None => Err(ApiError::MfaRequired(
            state.mfa.issue_token(store, user, now)?,
        )),
        Some(code) => match state.mfa.check(store, user.id, code, now)? {
            Verdict::Wrong => Err(ApiError::InvalidCode),
            verdict => Ok(Some(verdict)),
        },
    }
}

/// Starts (or continues) the session on the session writer (from a
/// blocking thread: the checks before it ran there).
pub(crate) fn start<B: Begin>(
    state: &web::Data<AppState>,
    login: (User, Factors),
    begin: B,
    client: Client,
    now: i64,
) -> Result<B::Grant, ApiError> {
    let rules = state.clone();
    let affinity = begin.affinity();
    let (user, factors) = login;
    let checked = Checked {
        user,
        factors,
        client,
        now,
    };
    blocking::sessions_from_blocking_thread(state.store.as_ref(), affinity, move |tx| {
        begin.begin(&rules, tx, checked.clone())
    })
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
    if verdict == PasswordVerdict::Wrong || user.disabled {
        return Err(ApiError::InvalidCredentials);
    }
    if verdict == PasswordVerdict::RightButOutdated {
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
