//! `DELETE /admin/users/{username}/passkeys`: an admin removes a user's passkeys (a lost device)
//! and ends all of that user's sessions.

use actix_web::{web, HttpRequest, HttpResponse};

use super::no_store;
use crate::audit::{Describe, Kind};
use crate::auth::extract::Admin;
use crate::error::ApiError;
use crate::http::report;
use crate::openapi::{self, AdminOnly};
use crate::state::AppState;
use crate::store::{EndReason, EndSessions};
use crate::{blocking, clock};

#[utoipa::path(delete, path = "/admin/users/{username}/passkeys", tag = "admin",
    operation_id = "remove_user_passkeys", summary = "Remove a user's passkeys",
    description = "Every passkey of the user goes, and all of its sessions end. 204 whether or \
        not it had any.",
    security(("OAuth2PasswordBearer" = [])),
    params(("username" = String, Path, description = "The user's `id` (its username)")),
    responses((status = 204, description = "Removed"), AdminOnly, openapi::NotFound))]
pub async fn remove_all(
    Admin(admin): Admin,
    username: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = username.into_inner();
    let (user, removed) = blocking::run(move || {
        let Some(user) = store.user_by_name(&username)? else {
            return Ok(None);
        };
        let end = EndSessions::All(EndReason::MfaChanged);
        let removed = store.remove_passkeys(user.id, None, end, clock::now_ms())?;
        Ok(Some((user, removed)))
    })
    .await?
    .ok_or(ApiError::NotFound("User not found"))?;
    if removed > 0 {
        let by = &admin.user.username;
        let event = report::by_admin(&state, &req, Kind::PasskeyRemoved, &user.username, by);
        report::audit(&state, event.reason("all"));
    }
    Ok(no_store(HttpResponse::NoContent()).finish())
}
