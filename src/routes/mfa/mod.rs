//! `/user/mfa*`: a signed-in user's own second factor. Proving the password or a code goes through
//! the login throttle, and a wrong one is 400 (`invalid_credentials`, `invalid_code`), never 401,
//! so an SPA does not log out; confirming or removing the factor ends the user's other sessions.

pub(crate) mod admin;
pub(crate) mod proof;
pub(crate) mod step;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{Describe, Kind};
use crate::auth::extract::Caller;
use crate::auth::mfa::Verdict;
use crate::error::ApiError;
use crate::http::body::{read_after_auth, required};
use crate::http::report;
use crate::openapi::{self, fields};
use crate::state::AppState;
use crate::store::{EndReason, EndSessions};
use crate::{blocking, clock};
use proof::{reserve, settle, with_password};

#[derive(Serialize, utoipa::ToSchema)]
pub struct MfaStatus {
    /// Login asks for a one-time code.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EnrolBody {
    #[schema(required = true, schema_with = fields::not_blank_password)]
    current_password: Option<String>,
    /// While a factor is in force: a one-time code of it or a recovery code.
    code: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CodeBody {
    /// A 6-digit code of the pending secret.
    #[schema(required = true, schema_with = fields::not_blank)]
    code: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RemoveBody {
    #[schema(required = true, schema_with = fields::not_blank_password)]
    current_password: Option<String>,
    /// A one-time code or a recovery code.
    #[schema(required = true, schema_with = fields::not_blank)]
    code: Option<String>,
}

/// A pending secret, shown once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EnrolResponse {
    /// The secret in base32, for typing into an authenticator app.
    secret: String,
    /// `otpauth://totp/<issuer>:<username>?secret=…&issuer=…`
    otpauth_url: String,
    /// The URL as a QR code: an inline `<svg>` element.
    qr_svg: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten codes, each good once in place of a one-time code; shown only now.
    recovery_codes: Vec<String>,
}

fn no_store() -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

#[utoipa::path(get, path = "/user/mfa", tag = "mfa", operation_id = "mfa_status",
    summary = "The caller's second factor", security(("OAuth2PasswordBearer" = [])),
    responses((status = 200, description = "Whether login asks for a code", body = MfaStatus),
        openapi::Bearer))]
pub async fn status(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let record = blocking::run(move || Ok(store.mfa(caller.user.id)?)).await?;
    let record = record.unwrap_or_default();
    Ok(no_store().json(MfaStatus {
        totp: record.active(),
        recovery_codes_left: if record.active() {
            record.recovery_codes_left
        } else {
            0
        },
    }))
}

#[utoipa::path(post, path = "/user/mfa/totp", tag = "mfa", operation_id = "mfa_enrol",
    summary = "Start adding a TOTP second factor",
    description = "Makes a pending secret (not yet asked for at login) and answers with it, \
        its `otpauth://` URL and a QR code. While a factor is in force, `code` (one of its \
        codes, or a recovery code) is needed as well: without it, or wrong, 400 `invalid_code`. \
        A wrong current password or code is 400 and counts toward the login throttle. An \
        existing factor stays in force until the new one is confirmed.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content((EnrolBody = "application/json"), (EnrolBody = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "The pending secret", body = EnrolResponse),
        openapi::Bearer, openapi::WrongPasswordOrCode, openapi::Body))]
pub async fn enrol(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: EnrolBody = read_after_auth(&req, payload).await?;
    let current = required(body.current_password, "current_password")?;
    let (user_id, name, code) = (caller.user.id, caller.user.username.clone(), body.code);
    let enrolment = with_password(&state, &req, &caller, current, move |rules| {
        let (store, now) = (rules.store.as_ref(), clock::now_ms());
        rules
            .mfa
            .enrol(store, (user_id, &name), code.as_deref(), now)
    })
    .await?;
    let username = &caller.user.username;
    if enrolment.proved_by == Some(Verdict::Recovery) {
        report::audit(
            &state,
            report::event(&state, &req, Kind::MfaRecoveryCodeUsed, username),
        );
    }
    report::audit(
        &state,
        report::event(&state, &req, Kind::MfaEnrolled, username),
    );
    Ok(no_store().json(EnrolResponse {
        secret: enrolment.secret,
        otpauth_url: enrolment.otpauth_url,
        qr_svg: enrolment.qr_svg,
    }))
}

#[utoipa::path(post, path = "/user/mfa/totp/confirm", tag = "mfa", operation_id = "mfa_confirm",
    summary = "Confirm the pending second factor",
    description = "A code of the pending secret makes it required at login and answers with \
        ten recovery codes, shown this once. Ends the caller's other sessions. A wrong code \
        is 400 `invalid_code` and counts toward the login throttle.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content((CodeBody = "application/json"), (CodeBody = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "Confirmed", body = RecoveryCodes),
        openapi::Bearer, openapi::WrongCode, openapi::Body))]
pub async fn confirm(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: CodeBody = read_after_auth(&req, payload).await?;
    let code = required(body.code, "code")?;
    let username = caller.user.username.clone();
    let attempt = reserve(&state, &req, &username).await?;
    let rules = state.clone();
    let outcome = blocking::run(move || {
        let store = rules.store.as_ref();
        let keep = caller.session_id.as_str();
        rules
            .mfa
            .confirm(store, caller.user.id, &code, keep, clock::now_ms())
    })
    .await;
    let codes = settle(&state, &req, &username, attempt, outcome)?;
    report::audit(
        &state,
        report::event(&state, &req, Kind::MfaConfirmed, &username),
    );
    Ok(no_store().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[utoipa::path(delete, path = "/user/mfa", tag = "mfa", operation_id = "mfa_remove",
    summary = "Remove the caller's second factor",
    description = "Needs the current password and a one-time (or recovery) code; ends the \
        caller's other sessions. Wrong ones are 400 and count toward the login throttle.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content((RemoveBody = "application/json"), (RemoveBody = "application/x-www-form-urlencoded"))),
    responses((status = 204, description = "Removed"),
        openapi::Bearer, openapi::WrongPasswordOrCode, openapi::Body))]
pub async fn remove(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: RemoveBody = read_after_auth(&req, payload).await?;
    let current = required(body.current_password, "current_password")?;
    let code = required(body.code, "code")?;
    let username = caller.user.username.clone();
    let (user_id, session_id) = (caller.user.id, caller.session_id.clone());
    let verdict = with_password(&state, &req, &caller, current, move |rules| {
        remove_with_code(rules, (user_id, &session_id), &code)
    })
    .await?;
    if verdict == Verdict::Recovery {
        report::audit(
            &state,
            report::event(&state, &req, Kind::MfaRecoveryCodeUsed, &username),
        );
    }
    let event = report::event(&state, &req, Kind::MfaRemoved, &username);
    report::audit(&state, event.actor(&username).reason("self"));
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// Uses the code (or recovery code) up, then removes the factor and ends
/// every other session of the caller (`session_id` stays).
fn remove_with_code(
    rules: &AppState,
    (user_id, session_id): (i64, &str),
    code: &str,
) -> Result<Verdict, ApiError> {
    let (store, now) = (rules.store.as_ref(), clock::now_ms());
    let verdict = rules.mfa.check(store, user_id, code, now)?;
    if verdict == Verdict::Wrong {
        return Err(ApiError::WrongCode);
    }
    let keep = EndSessions::AllBut(session_id, EndReason::MfaChanged);
    store.remove_mfa(user_id, keep, now)?;
    Ok(verdict)
}
