//! `/admin/users/{username}/sessions`: an admin sees and ends one user's sessions. A session id
//! that is not a live session of that user is answered exactly like an unknown one, as on
//! `/user/sessions`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::audit::Kind;
use crate::auth::extract::Admin;
use crate::domain::SessionId;
use crate::error::ApiError;
use crate::http::report;
use crate::openapi::{self, AdminOnly};
use crate::routes::sessions::{self, SessionRecord, NO_SUCH_SESSION};
use crate::state::AppState;
use crate::store::EndReason;
use crate::{blocking, clock};

use super::NO_SUCH_USER;

#[utoipa::path(get, path = "/admin/users/{username}/sessions", tag = "admin",
    operation_id = "list_user_sessions", summary = "A user's live sessions",
    description = "The same records as `GET /user/sessions`; `current` marks the calling admin's \
        own session, so it is true only when admins look at themselves.",
    security(("OAuth2PasswordBearer" = [])),
    params(("username" = String, Path, description = "The user's `id` (its username)")),
    responses((status = 200, description = "One entry per live session", body = Vec<SessionRecord>),
        AdminOnly, openapi::NotFound))]
pub async fn list(
    Admin(admin): Admin,
    username: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = username.into_inner();
    let sessions = blocking::run(move || {
        let Some(user) = store.user_by_name(&username)? else {
            return Ok(None);
        };
        Ok(Some(store.live_sessions(user.id, clock::now_ms())?))
    })
    .await?
    .ok_or(NO_SUCH_USER)?;
    Ok(sessions::listed(&sessions, &admin.session_id))
}

/// 204; 404 for an unknown user, or an id that is not a live session of that user.
#[utoipa::path(delete, path = "/admin/users/{username}/sessions/{id}", tag = "admin",
    operation_id = "end_user_session", summary = "End one of a user's sessions",
    description = "Its refresh ids stop working and access tokens carrying its `sid` are refused \
        at once.",
    security(("OAuth2PasswordBearer" = [])),
    params(("username" = String, Path, description = "The user's `id` (its username)"),
        ("id" = String, Path, description = "A session id from `GET /admin/users/{username}/sessions`")),
    responses((status = 204, description = "The session ended"), AdminOnly, openapi::NotFound))]
pub async fn end(
    Admin(admin): Admin,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (username, id) = path.into_inner();
    let session_id = SessionId::parse(&id).ok_or(NO_SUCH_SESSION)?;
    let store = state.store.clone();
    let ended = blocking::run(move || {
        let Some(user) = store.user_by_name(&username)? else {
            return Err(NO_SUCH_USER);
        };
        let now = clock::now_ms();
        let ended = store.end_own_session(user.id, session_id.as_str(), EndReason::Revoked, now)?;
        Ok(ended.then_some(user.username))
    })
    .await?;
    let username = ended.ok_or(NO_SUCH_SESSION)?;
    let name = &admin.user.username;
    let event = report::by_admin(&state, &req, Kind::SessionEnded, &username, name);
    report::audit(&state, event);
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
