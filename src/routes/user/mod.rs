//! `/user/*`: login, refresh, logout and the current user. Thin: parse, call the rules, shape the
//! answer.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{Describe, Kind};
use crate::auth::extract::Caller;
use crate::auth::login::{self, Credentials};
use crate::auth::sessions::{Client, Ended, Grant};
use crate::background::key_refresh;
use crate::blocking;
use crate::clock;
use crate::domain::RefreshSecret;
use crate::error::ApiError;
use crate::http::body::{required, FormOrJson};
use crate::http::cookie::Presented;
use crate::http::report;
use crate::openapi::{self, fields, CookieRoute};
use crate::state::AppState;
use crate::store::EndReason;

mod record;
pub use record::{AdminExtras, UserRecord};

/// Credentials, as OAuth2's password grant sends them (other fields, such as
/// `grant_type`, are ignored).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    #[schema(required = true, schema_with = fields::not_blank, example = "alice")]
    username: Option<String>,
    #[schema(required = true, schema_with = fields::not_blank_password)]
    password: Option<String>,
    /// For a user with a second factor: a one-time code (or a recovery
    /// code), so the login needs no second step.
    #[schema(example = "123456")]
    otp: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// A JWT (`typ: at+jwt`), to send as `Authorization: Bearer`.
    pub access_token: String,
    #[schema(value_type = String, pattern = "^bearer$", example = "bearer")]
    pub token_type: &'static str,
    /// Seconds from now until the access token expires: schedule the refresh from this.
    pub token_expiry: u64,
}

#[utoipa::path(post, path = "/user/token", tag = "user", operation_id = "login",
    summary = "Log in",
    description = "Username and password, as a form (OAuth2's password grant) or JSON. \
        Answers with an access token and sets the refresh cookie. A still-valid refresh \
        cookie of the same user is continued (rotated) rather than a second session made. \
        A user with a second factor gets 401 `mfa_required` with an `mfa_token` (and no \
        cookie) for `POST /user/token/mfa`, unless the request carries the code in `otp`.",
    request_body(content(
        (LoginForm = "application/x-www-form-urlencoded"),
        (LoginForm = "application/json"))),
    security((), ("RefreshCookie" = [])),
    responses(
        (status = 200, response = Granted),
        openapi::LoginFailed, CookieRoute, openapi::Body))]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormOrJson(form): FormOrJson<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let credentials = Credentials {
        username: required(form.username, "username")?,
        password: required(form.password, "password")?,
        otp: form.otp,
    };
    let presented = state.cookie.read(&req);
    let tossed = matches!(presented, Presented::Tossed);
    let client = state.guard.client(&req);
    let tried = credentials.username.clone();
    let outcome = login::login(state.clone(), credentials, presented.id(), client).await;
    report::login(&state, &req, &tried, &outcome);
    let response = match outcome {
        Ok((grant, _)) => grant_response(&state, grant).await,
        Err(e) => Err(e),
    };
    answer(&state, &req, tossed, response)
}

/// A request that carried the cookie twice gets it cleared, whatever the answer.
pub(crate) fn answer(
    state: &AppState,
    req: &HttpRequest,
    tossed: bool,
    outcome: Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    if !tossed {
        return outcome;
    }
    let response = outcome.unwrap_or_else(HttpResponse::from_error);
    Ok(state.cookie.clear_tossed(req, response))
}

#[utoipa::path(method(get, post), path = "/user/refresh-token", tag = "user",
    operation_id = "refresh", summary = "Get a new access token",
    description = "Rotates the refresh cookie. An id already rotated, presented again within the \
        reuse grace by the client that rotated it (same User-Agent, same /24 or /64), gets the \
        same successor the first request got; any other replay revokes the whole session \
        family (`reuse_detected`). A cookie sent twice is not used (`not_found`).",
    security(("RefreshCookie" = [])),
    responses((status = 200, response = Granted), openapi::RefreshFailed, CookieRoute))]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let presented = state.cookie.read(&req);
    let tossed = matches!(presented, Presented::Tossed);
    let (grant, reused_by) = match presented.id() {
        Some(presented) => rotate(&state, presented, state.guard.client(&req)).await,
        None => (Err(ApiError::RefreshNotFound), None),
    };
    report::refresh(&state, &req, &grant, reused_by.as_deref());
    let response = match grant {
        Ok(grant) => grant_response(&state, grant).await,
        Err(e) => Err(e),
    };
    answer(&state, &req, tossed, response)
}

/// One group-committed job: the refresh and, when it revoked a family for reuse,
/// whose family that was (for the audit trail).
async fn rotate(
    state: &web::Data<AppState>,
    presented: RefreshSecret,
    client: Client,
) -> (Result<Grant, ApiError>, Option<String>) {
    let rules = state.clone();
    let affinity = Some(presented.affinity());
    // Fixed before the job is queued, so the step it asks for is the one its batch ran for it.
    let now = clock::now_ms();
    let advance = state.sessions.advance_for(&presented, &client, now);
    let hint = advance.clone();
    let outcome = blocking::sessions(state.store.as_ref(), affinity, hint, move |tx| {
        let step = advance.as_ref();
        let mut grant = (rules.sessions).refresh_with(tx, (&presented, &client), step, now);
        if let Ok(grant) = &mut grant {
            grant.signer_revoked = rules.tokens.signer_revoked(tx)?;
        }
        let reused_by = match &grant {
            Err(ApiError::ReuseDetected) => rules.sessions.find(tx, &presented).ok().flatten(),
            _ => None,
        };
        Ok((grant, reused_by.map(|record| record.user.username)))
    })
    .await;
    outcome.unwrap_or_else(|e| (Err(e), None))
}

/// Always 204: admin UIs call logout whenever a check fails, even with no session.
#[utoipa::path(post, path = "/user/logout", tag = "user", operation_id = "logout",
    summary = "End this session",
    description = "Ends the cookie's session family and clears the cookie. No cookie or a dead one is a harmless 204. \
        An id rotated longer ago than the reuse grace (or by another client) ends the family as `reuse_detected`; \
        a cookie sent twice ends nothing.",
    security((), ("RefreshCookie" = [])),
    responses(
        (status = 204, description = "Logged out; the cookie is cleared",
            headers(("Set-Cookie" = String, description = "The refresh cookie with `Max-Age=0`"))),
        CookieRoute))]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let presented = state.cookie.read(&req);
    let tossed = matches!(presented, Presented::Tossed);
    if let Some(presented) = presented.id() {
        let (rules, client) = (state.clone(), state.guard.client(&req));
        let affinity = Some(presented.affinity());
        let ended = blocking::sessions(state.store.as_ref(), affinity, None, move |tx| {
            rules
                .sessions
                .logout(tx, &presented, &client, clock::now_ms())
        })
        .await?;
        if let Some(Ended { username, reason }) = ended {
            let event = match reason {
                EndReason::ReuseDetected => {
                    report::event(&state, &req, Kind::RefreshReuseDetected, &username)
                        .reason(reason.as_str())
                }
                _ => report::event(&state, &req, Kind::Logout, &username),
            };
            report::audit(&state, event);
        }
    }
    let response = HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(state.cookie.clear())
        .finish();
    answer(&state, &req, tossed, Ok(response))
}

#[utoipa::path(get, path = "/user/me", tag = "user", operation_id = "me",
    summary = "The current user", security(("OAuth2PasswordBearer" = [])),
    responses((status = 200, description = "The caller", body = UserRecord), openapi::Bearer))]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserRecord::from(&caller.user))
}

/// The 200 of login and refresh (documentation only: `grant_response` builds it).
#[derive(utoipa::ToResponse)]
#[allow(dead_code)]
#[response(
    description = "An access token; the refresh cookie is set (rotated on refresh)",
    headers(
        ("Set-Cookie" = String, description = "`<cookie-name>=<refresh id>; HttpOnly; SameSite=Strict; Secure; Path=/user; Max-Age=<seconds the session has left>`"),
        ("Cache-Control" = String, description = "`no-store`"),
    )
)]
pub struct Granted(#[to_schema] TokenResponse);

/// Signs the grant's access token; a signer revoked since the ring was built
/// (the job that made the grant read its row) is replaced first.
pub(crate) async fn grant_response(
    state: &web::Data<AppState>,
    grant: Grant,
) -> Result<HttpResponse, ApiError> {
    if grant.signer_revoked {
        let (store, tokens) = (state.store.clone(), state.tokens.clone());
        key_refresh::rebuild_now(store, tokens, state.key_settings.clone()).await?;
    }
    let now = clock::now_ms();
    let access = state
        .tokens
        .issue(&grant.user, &grant.session_id, grant.factors, now / 1000)
        .map_err(ApiError::internal)?;
    let max_age_secs = (grant.expires_at - now) / 1000;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .cookie(state.cookie.issue(&grant.refresh, max_age_secs))
        .json(TokenResponse {
            access_token: access.token,
            token_type: "bearer",
            token_expiry: access.expires_in,
        }))
}
