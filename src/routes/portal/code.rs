//! `POST /login/code`: the portal's second step, with the rules of `POST /user/token/mfa` (the
//! login's `mfa_token`, a one-time or recovery code, the same throttle); a wrong code shows the
//! code page again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::answer::{checked_rd, failed, posted, signed_in, INCORRECT};
use super::refusals::Refusals;
use crate::auth::login::{self, LoggedIn};
use crate::auth::sessions::PortalGrant;
use crate::error::ApiError;
use crate::http::body::FormOrJson;
use crate::http::report;
use crate::openapi::fields;
use crate::portal::pages::{code_page, sign_in_page, CodeForm, SignInForm};
use crate::state::AppState;

/// The code page's form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    /// From the code page (the sign-in's second step).
    #[schema(required = true, schema_with = fields::not_blank)]
    mfa_token: Option<String>,
    /// A code from the authenticator app, or a recovery code.
    #[schema(required = true, schema_with = fields::not_blank, example = "123456")]
    code: Option<String>,
    rd: Option<String>,
}

#[utoipa::path(post, path = "/login/code", tag = "portal", operation_id = "portal_code",
    summary = "The portal's second step: a one-time or recovery code",
    request_body(content((CodeBody = "application/x-www-form-urlencoded"))),
    responses(
        (status = 303, description = "Signed in: on to `rd` or `/login`, the portal cookie set"),
        (status = 401, description = "A wrong, used or expired code: the code page again", content_type = "text/html", body = String),
        (status = 422, description = "Code missing: the code page again", content_type = "text/html", body = String),
        Refusals))]
pub async fn code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<FormOrJson<CodeBody>, ApiError>,
) -> HttpResponse {
    let body = match posted(&state, &req, body) {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    let rd = checked_rd(&state, &req, body.rd.as_deref());
    let token = body.mfa_token.unwrap_or_default();
    let form = CodeForm {
        mfa_token: token.clone(),
        rd,
        error: None,
    };
    let code = body.code.unwrap_or_default();
    if token.trim().is_empty() || code.trim().is_empty() {
        let error = Some("Enter the code".to_string());
        return code_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CodeForm { error, ..form },
        );
    }
    let client = state.guard.client(&req);
    let step = login::second_step(state.clone(), (token, code), login::Portal, client);
    let (outcome, username) = step.await;
    report::portal_login(&state, &req, username.as_deref().unwrap_or(""), &outcome);
    answered(&state, outcome, form)
}

/// Signed in, the code page again, or what stopped the login.
fn answered(
    state: &AppState,
    outcome: Result<LoggedIn<PortalGrant>, ApiError>,
    form: CodeForm,
) -> HttpResponse {
    match outcome {
        Ok((grant, _)) => signed_in(state, &grant, form.rd.as_deref()),
        Err(ApiError::InvalidCode) => {
            let error = Some("That code did not work. Try again.".to_string());
            code_page(StatusCode::UNAUTHORIZED, &CodeForm { error, ..form })
        }
        // The user was disabled or changed since the password was checked.
        Err(ApiError::InvalidCredentials) => {
            let error = Some(INCORRECT.to_string());
            let again = SignInForm {
                rd: form.rd,
                error,
                ..SignInForm::default()
            };
            sign_in_page(StatusCode::UNAUTHORIZED, &again)
        }
        Err(e) => failed(&e),
    }
}
