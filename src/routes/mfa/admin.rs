//! `DELETE /admin/users/{username}/mfa`: an admin removes a user's second factor (a lost phone) and
//! ends all of that user's sessions.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::audit::Kind;
use crate::auth::extract::Admin;
use crate::error::ApiError;
use crate::http::report;
use crate::openapi::{self, AdminOnly};
use crate::state::AppState;
use crate::store::{EndReason, EndSessions};
use crate::{blocking, clock};

#[utoipa::path(delete, path = "/admin/users/{username}/mfa", tag = "admin",
    operation_id = "reset_user_mfa", summary = "Remove a user's second factor",
    description = "The user logs in with the password alone from now on; all of its sessions end. \
        204 whether or not it had one.",
    security(("OAuth2PasswordBearer" = [])),
    params(("username" = String, Path, description = "The user's `id` (its username)")),
    responses((status = 204, description = "Removed"), AdminOnly, openapi::NotFound))]
pub async fn reset(
    Admin(admin): Admin,
    username: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = username.into_inner();
    let user = blocking::run(move || {
        let Some(user) = store.user_by_name(&username)? else {
            return Ok(None);
        };
        let end = EndSessions::All(EndReason::MfaChanged);
        store.remove_mfa(user.id, end, clock::now_ms())?;
        Ok(Some(user))
    })
    .await?
    .ok_or(ApiError::NotFound("User not found"))?;
    let event = report::by_admin(
        &state,
        &req,
        Kind::MfaRemoved,
        &user.username,
        &admin.user.username,
    );
    report::audit(&state, event);
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
