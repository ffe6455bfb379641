//! `POST /user/token/mfa`: the second step of a login that answered `mfa_required`. It reads the
//! refresh cookie as login does (same-origin only), and answers exactly as a login does.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::login;
use crate::error::ApiError;
use crate::http::body::{required, FormOrJson};
use crate::http::cookie::Presented;
use crate::http::report;
use crate::openapi::{self, fields, CookieRoute};
use crate::routes::user::{answer, grant_response, Granted};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MfaLoginForm {
    /// The `mfa_token` of the `mfa_required` answer.
    #[schema(required = true, schema_with = fields::not_blank)]
    mfa_token: Option<String>,
    /// A one-time code or a recovery code.
    #[schema(required = true, schema_with = fields::not_blank)]
    code: Option<String>,
}

#[utoipa::path(post, path = "/user/token/mfa", tag = "user", operation_id = "login_mfa",
    summary = "Log in: the one-time code",
    description = "Completes a login that answered 401 `mfa_required`: its `mfa_token` (single \
        use, 5 minutes, bound to the user) and a one-time or recovery code. Answers exactly \
        as a login does. A wrong, reused or expired code or token is 401 `invalid_code` and \
        counts toward the login throttle; a few wrong codes end the token.",
    request_body(content(
        (MfaLoginForm = "application/json"),
        (MfaLoginForm = "application/x-www-form-urlencoded"))),
    security((), ("RefreshCookie" = [])),
    responses(
        (status = 200, response = Granted),
        openapi::LoginFailed, CookieRoute, openapi::Body))]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormOrJson(form): FormOrJson<MfaLoginForm>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let mfa_token = required(form.mfa_token, "mfa_token")?;
    let code = required(form.code, "code")?;
    let presented = state.cookie.read(&req);
    let tossed = matches!(presented, Presented::Tossed);
    let client = state.guard.client(&req);
    let (outcome, username) =
        login::second_step(state.clone(), (mfa_token, code), presented.id(), client).await;
    report::login(&state, &req, username.as_deref().unwrap_or(""), &outcome);
    let response = match outcome {
        Ok((grant, _)) => grant_response(&state, grant).await,
        Err(e) => Err(e),
    };
    answer(&state, &req, tossed, response)
}
