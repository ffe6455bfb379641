//! `/user/sessions` and `/user/logout-all`: a user sees and ends only its own sessions; another
//! user's session id is answered exactly like an unknown one.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::audit::Kind;
use crate::auth::extract::Caller;
use crate::blocking;
use crate::clock;
use crate::domain::SessionId;
use crate::error::ApiError;
use crate::http::report;
use crate::openapi;
use crate::state::AppState;
use crate::store::{EndReason, EndSessions, Session};

pub(crate) const NO_SUCH_SESSION: ApiError = ApiError::NotFound("Session not found");

/// A session as its user sees it; `id` is the JWT's `sid`, never a refresh id.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionRecord {
    /// The session id: the access token's `sid`, stable across refreshes.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub id: String,
    /// `app` (a refresh-cookie session) or `portal` (the sign-in portal's cookie).
    #[schema(pattern = "^(app|portal)$", example = "app")]
    pub kind: &'static str,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: String,
    /// When it ends unless refreshed (idle limit), or its absolute limit if sooner.
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
    /// The caller's own session (on the admin route: the calling admin's).
    pub current: bool,
}

impl SessionRecord {
    pub(crate) fn new(session: &Session, current_id: &str) -> SessionRecord {
        SessionRecord {
            id: session.id.clone(),
            kind: session.kind.as_str(),
            created_at: clock::rfc3339(session.created_at),
            last_used_at: clock::rfc3339(session.last_used_at),
            expires_at: clock::rfc3339(session.expires_at()),
            user_agent: session.user_agent.clone(),
            ip: session.ip.clone(),
            current: session.id == current_id,
        }
    }
}

#[utoipa::path(get, path = "/user/sessions", tag = "sessions", operation_id = "list_sessions",
    summary = "The caller's live sessions", security(("OAuth2PasswordBearer" = [])),
    responses((status = 200, description = "One entry per live session", body = Vec<SessionRecord>),
        openapi::Bearer))]
pub async fn list(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let user_id = caller.user.id;
    let sessions =
        blocking::run(move || Ok(store.live_sessions(user_id, clock::now_ms())?)).await?;
    Ok(listed(&sessions, &caller.session_id))
}

/// The answer of a sessions list (the user's own, or an admin's view of a user's):
/// `current` marks the caller's session.
pub(crate) fn listed(sessions: &[Session], current: &str) -> HttpResponse {
    let records: Vec<SessionRecord> = sessions
        .iter()
        .map(|s| SessionRecord::new(s, current))
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(records)
}

/// 204, or 404 for an id that is not a live session of the caller's.
#[utoipa::path(delete, path = "/user/sessions/{id}", tag = "sessions", operation_id = "end_session",
    summary = "End one of the caller's sessions", security(("OAuth2PasswordBearer" = [])),
    params(("id" = String, Path, description = "A session id from `GET /user/sessions`")),
    responses((status = 204, description = "The session ended"), openapi::Bearer, openapi::NotFound))]
pub async fn end(
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session_id = SessionId::parse(&id).ok_or(NO_SUCH_SESSION)?;
    let store = state.store.clone();
    let user_id = caller.user.id;
    let ended = blocking::run(move || {
        Ok(store.end_own_session(
            user_id,
            session_id.as_str(),
            EndReason::Revoked,
            clock::now_ms(),
        )?)
    })
    .await?;
    if !ended {
        return Err(NO_SUCH_SESSION);
    }
    let event = report::event(&state, &req, Kind::SessionEnded, &caller.user.username);
    report::audit(&state, event);
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// Ends every session of the caller, its own included, and clears the cookie.
#[utoipa::path(post, path = "/user/logout-all", tag = "sessions", operation_id = "logout_all",
    summary = "End all of the caller's sessions", security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 204, description = "Every session ended, this one included; the cookie is cleared",
            headers(("Set-Cookie" = String, description = "The refresh cookie with `Max-Age=0`"))),
        openapi::Bearer))]
pub async fn logout_all(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let user_id = caller.user.id;
    blocking::run(move || {
        let end = EndSessions::All(EndReason::Logout);
        Ok(store.end_user_sessions(user_id, end, clock::now_ms())?)
    })
    .await?;
    let event = report::event(&state, &req, Kind::LogoutAll, &caller.user.username);
    report::audit(&state, event);
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(state.cookie.clear())
        .finish())
}
