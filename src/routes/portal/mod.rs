//! The sign-in portal (`/login`, `/login/code`, `/logout`): HTML pages for browsers at a protected
//! tool's door. Thin: the login rules of `POST /user/token` start a portal session instead of an
//! app one, and the answer is a page or a 303; every POST passes the cookie routes' cross-origin
//! check first.

pub(crate) mod answer;
pub(crate) mod code;
pub(crate) mod logout;
mod refusals;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::login::{self, Credentials, LoggedIn};
use crate::auth::portal;
use crate::auth::sessions::PortalGrant;
use crate::error::ApiError;
use crate::http::body::FormOrJson;
use crate::http::report;
use crate::openapi::fields;
use crate::portal::pages::{code_page, sign_in_page, signed_in_page, CodeForm, SignInForm};
use crate::state::AppState;
use answer::{checked_rd, failed, posted, see_other, signed_in, INCORRECT};
use refusals::Refusals;

/// The sign-in form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInBody {
    #[schema(required = true, schema_with = fields::not_blank, example = "alice")]
    username: Option<String>,
    #[schema(required = true, schema_with = fields::not_blank_password)]
    password: Option<String>,
    /// Where to go once signed in: an absolute URL on an allowed host (others are dropped).
    rd: Option<String>,
}

/// `GET /login`'s query: `rd`, where to go once signed in.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// An absolute URL on an allowed host; anything else is dropped.
    rd: Option<String>,
}

#[utoipa::path(get, path = "/login", tag = "portal", operation_id = "portal_page",
    summary = "The sign-in portal's page",
    description = "A signed-in visitor (portal cookie) with a valid `rd` is sent straight on; \
        without one the page says who is signed in. Otherwise the sign-in form.",
    params(LoginQuery), security((), ("PortalCookie" = [])),
    responses(
        (status = 200, description = "The sign-in form, or who is signed in", content_type = "text/html", body = String),
        (status = 303, description = "Already signed in: on to `rd`",
            headers(("Location" = String, description = "The `rd` given"))),
        (status = 503, description = "Busy; `Retry-After` says when to retry", content_type = "text/html", body = String)))]
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let query = web::Query::<LoginQuery>::from_query(req.query_string()).ok();
    let rd = checked_rd(&state, &req, query.as_ref().and_then(|q| q.rd.as_deref()));
    if let Some(value) = state.portal_cookie.read(&req) {
        match portal::caller(&state, &value).await {
            Ok(Some(caller)) => {
                return match rd {
                    Some(rd) => see_other(&rd).finish(),
                    None => signed_in_page(&caller.user.username),
                }
            }
            Ok(None) => {}
            Err(e) => return failed(&e),
        }
    }
    sign_in_page(
        StatusCode::OK,
        &SignInForm {
            rd,
            ..SignInForm::default()
        },
    )
}

#[utoipa::path(post, path = "/login", tag = "portal", operation_id = "portal_sign_in",
    summary = "Sign in at the portal",
    description = "The login rules of `POST /user/token` (throttle, disabled users, audit events \
        marked `portal`). Success sets the portal cookie and 303s to `rd` (or `/login`); a user \
        with a second factor gets the code page.",
    request_body(content((SignInBody = "application/x-www-form-urlencoded"))),
    responses(
        (status = 303, description = "Signed in: on to `rd` or `/login`",
            headers(("Set-Cookie" = String, description = "`<portal-cookie-name>=<value>; HttpOnly; SameSite=Lax; Secure; Path=/; [Domain=<cookie-domain>;] Max-Age=<seconds to the absolute limit>`"))),
        (status = 200, description = "The code page (a second factor is needed)", content_type = "text/html", body = String),
        (status = 401, description = "The form again: `Incorrect username or password`", content_type = "text/html", body = String),
        (status = 422, description = "Username or password missing", content_type = "text/html", body = String),
        Refusals))]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<FormOrJson<SignInBody>, ApiError>,
) -> HttpResponse {
    let body = match posted(&state, &req, body) {
        Ok(body) => body,
        Err(refused) => return *refused,
    };
    let rd = checked_rd(&state, &req, body.rd.as_deref());
    let username = body.username.unwrap_or_default();
    let form = SignInForm {
        username: username.clone(),
        rd,
        error: None,
    };
    let password = body.password.unwrap_or_default();
    if username.trim().is_empty() || password.is_empty() {
        let error = Some("Enter your username and password".to_string());
        return sign_in_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SignInForm { error, ..form },
        );
    }
    let credentials = Credentials {
        username: username.clone(),
        password,
        otp: None,
    };
    let client = state.guard.client(&req);
    let outcome = login::login(state.clone(), credentials, login::Portal, client).await;
    report::portal_login(&state, &req, &username, &outcome);
    answered(&state, outcome, form)
}

/// Signed in, a code needed, the form again, or what stopped the login.
fn answered(
    state: &AppState,
    outcome: Result<LoggedIn<PortalGrant>, ApiError>,
    form: SignInForm,
) -> HttpResponse {
    match outcome {
        Ok((grant, _)) => signed_in(state, &grant, form.rd.as_deref()),
        Err(ApiError::MfaRequired(token)) => {
            let rd = form.rd;
            let code = CodeForm {
                mfa_token: token.0,
                rd,
                error: None,
            };
            code_page(StatusCode::OK, &code)
        }
        Err(ApiError::InvalidCredentials | ApiError::InvalidCode) => {
            let error = Some(INCORRECT.to_string());
            sign_in_page(StatusCode::UNAUTHORIZED, &SignInForm { error, ..form })
        }
        Err(e) => failed(&e),
    }
}
