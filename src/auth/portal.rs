//! The caller behind a sign-in portal cookie, for forward auth only: the session found by the
//! cookie's SHA-256 must be a live portal session of an enabled user, read (groups included) on
//! every check as a Bearer caller is; a use slides its idle limit, written at most once a minute.

use actix_web::web;

use crate::auth::extract::Caller;
use crate::auth::sessions::portal_hash;
use crate::blocking;
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;

/// `None` for a cookie that names no live session (forged, expired, ended,
/// or its user disabled): forward auth then treats the request as anonymous.
pub async fn caller(
    state: &web::Data<AppState>,
    cookie_value: &str,
) -> Result<Option<Caller>, ApiError> {
    let hash = portal_hash(cookie_value);
    let store = state.store.clone();
    let found = state
        .readers
        .read(move || Ok(store.portal_session(&hash)?))
        .await?;
    let now = clock::now_ms();
    let Some((session, user)) = found.filter(|(s, u)| state.sessions.portal_live(s, u, now)) else {
        return Ok(None);
    };
    if let Some(touch) = state.sessions.portal_touch(&session, now) {
        let store = state.store.clone();
        // A missed slide costs at most an earlier sign-in; the check itself stands.
        if let Err(e) = blocking::run(move || Ok(store.touch_portal_session(&touch)?)).await {
            tracing::warn!(error = %e, "could not slide a portal session's idle limit");
        }
    }
    Ok(Some(Caller {
        user,
        second_factor: session.factors.two(),
        session_id: session.id,
    }))
}
