//! `POST /user/password`: parse, change (`auth::password_change`), audit, answer; the caller's own
//! session stays.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::audit::{Describe, Kind};
use crate::auth::extract::Caller;
use crate::auth::password_change;
use crate::bootstrap;
use crate::domain::NewPassword;
use crate::error::ApiError;
use crate::http::body::{read_after_auth, required};
use crate::http::report;
use crate::openapi::{self, fields};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
struct PasswordForm {
    #[schema(required = true, schema_with = fields::not_blank_password)]
    current_password: Option<String>,
    /// 8–1024 characters, different from the current one.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 1024, format = Password)]
    new_password: Option<String>,
}

/// 204 on success. A wrong current password is 400, not 401, so an SPA does
/// not take it for an ended session; it counts as a failed login, so a
/// stolen access token cannot be used to guess the password quickly.
#[utoipa::path(post, path = "/user/password", tag = "sessions", operation_id = "change_password",
    summary = "Change the caller's password",
    description = "Ends every other session of the caller; this one stays. A wrong current \
        password is 400 and counts as a failed login for throttling.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content(
        (PasswordForm = "application/json"),
        (PasswordForm = "application/x-www-form-urlencoded"))),
    responses((status = 204, description = "Changed"),
        openapi::Bearer, openapi::WrongCurrentPassword, openapi::Body))]
pub async fn change(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form: PasswordForm = read_after_auth(&req, payload).await?;
    let current = required(form.current_password, "current_password")?;
    let new = required(form.new_password, "new_password")?;
    let new = NewPassword::parse(&new)
        .map_err(|e| ApiError::Invalid(format!("new_password is not acceptable: {e}")))?;
    if new.expose() == current {
        return Err(ApiError::Invalid(
            "new_password must differ from the current password".into(),
        ));
    }
    let username = caller.user.username.clone();
    let address = state.guard.client_address(&req);
    let lanes = (&*state.throttle, &state.hashing, state.store.clone());
    let password_file = state.bootstrap_password_file.clone();
    let forget = move |name: &str| bootstrap::forget_password(name, &password_file);
    let outcome = password_change::change(lanes, caller, (current, new), &address, forget).await;
    if let Err(e @ (ApiError::WrongCurrentPassword | ApiError::Throttled { .. })) = &outcome {
        let event = report::event(&state, &req, Kind::PasswordChangeFailed, &username);
        report::audit(&state, event.reason(e.code()));
    }
    outcome?;
    let event = report::event(&state, &req, Kind::PasswordChanged, &username);
    report::audit(&state, event.reason("self"));
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
