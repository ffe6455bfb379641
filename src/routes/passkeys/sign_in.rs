//! Signing in with a passkey: `/user/token/passkey` (+ `/finish`) answers as a password login does,
//! `/login/passkey` (+ `/finish`) as the portal does. Both go through the per-address throttle
//! (the name is only known once the passkey is), and every refusal is `invalid_credentials`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{credential, no_store, CeremonyOptions};
use crate::auth::login::{self, Begin, Portal, SignedIn};
use crate::auth::passkeys::Refusal;
use crate::auth::sessions::Client;
use crate::error::ApiError;
use crate::http::body::{required, FormOrJson};
use crate::http::cookie::Presented;
use crate::http::report;
use crate::openapi::{self, fields, CookieRoute};
use crate::routes::portal::answer::{checked_rd, HOME};
use crate::routes::user::{answer, grant_response};
use crate::state::AppState;
use crate::store::Factors;
use crate::{blocking, clock};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasskeySignInBody {
    #[schema(required = true, schema_with = fields::not_blank)]
    challenge_id: Option<String>,
    /// The browser's answer (`PublicKeyCredential.toJSON()`).
    #[schema(required = true, value_type = Object)]
    credential: Option<Value>,
    /// Portal only: where to go once signed in (kept only if allowed, as at `POST /login`).
    rd: Option<String>,
}

/// Where the portal's page goes next (the cookie is set on this answer).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedInAt {
    #[schema(example = "https://grafana.example.com/")]
    location: String,
}

#[utoipa::path(post, path = "/user/token/passkey", tag = "passkeys",
    operation_id = "begin_passkey_login", summary = "Start signing in with a passkey",
    description = "Request options for `navigator.credentials.get` naming no credential: the \
        browser offers the user's passkeys. User verification is required.",
    responses((status = 200, description = "The request options", body = CeremonyOptions),
        openapi::Throttled, openapi::Busy))]
pub async fn begin(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(no_store(HttpResponse::Ok()).json(begun(&state, &req).await?))
}

#[utoipa::path(post, path = "/login/passkey", tag = "portal",
    operation_id = "portal_begin_passkey", summary = "Start signing in at the portal with a passkey",
    description = "As `POST /user/token/passkey`.",
    responses((status = 200, description = "The request options", body = CeremonyOptions),
        openapi::Throttled, openapi::Busy))]
pub async fn portal_begin(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Ok(no_store(HttpResponse::Ok()).json(begun(&state, &req).await?))
}

async fn begun(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<CeremonyOptions, ApiError> {
    let rules = state.clone();
    let address = state.guard.client_address(req);
    let now = clock::now_ms();
    let begun = blocking::run(move || {
        rules
            .passkeys
            .begin_sign_in(rules.store.as_ref(), &address, now)
    })
    .await?;
    Ok(CeremonyOptions::from(begun))
}

#[utoipa::path(post, path = "/user/token/passkey/finish", tag = "passkeys",
    operation_id = "passkey_login", summary = "Sign in with a passkey",
    description = "The browser's answer to the challenge of `challenge_id`. Answers exactly as \
        `POST /user/token` does (a refresh cookie of a live session of the same user is \
        continued); the token's `amr` is `[\"hwk\",\"mfa\"]`, a two-factor sign-in.",
    request_body(content((PasskeySignInBody = "application/json"))),
    security((), ("RefreshCookie" = [])),
    responses((status = 200, response = crate::routes::user::Granted),
        openapi::PasskeySignInFailed, CookieRoute, openapi::Body))]
pub async fn finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormOrJson(mut body): FormOrJson<PasskeySignInBody>,
) -> Result<HttpResponse, ApiError> {
    let proof = checked_proof(&state, &req, &mut body)?;
    let presented = state.cookie.read(&req);
    let tossed = matches!(presented, Presented::Tossed);
    let client = state.guard.client(&req);
    let outcome = sign_in(&state, proof, presented.id(), client).await;
    report::passkey_login(&state, &req, &outcome, false);
    let response = match outcome {
        Ok(grant) => grant_response(&state, grant).await,
        Err(refusal) => Err(refusal.into()),
    };
    answer(&state, &req, tossed, response)
}

#[utoipa::path(post, path = "/login/passkey/finish", tag = "portal",
    operation_id = "portal_passkey", summary = "Sign in at the portal with a passkey",
    description = "As `POST /user/token/passkey/finish`, but sets the portal cookie and answers \
        with where the page goes next: `rd` when allowed, else `/login`.",
    request_body(content((PasskeySignInBody = "application/json"))),
    responses(
        (status = 200, description = "Signed in", body = SignedInAt,
            headers(("Set-Cookie" = String, description = "The portal cookie"))),
        openapi::PasskeySignInFailed, CookieRoute, openapi::Body))]
pub async fn portal_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormOrJson(mut body): FormOrJson<PasskeySignInBody>,
) -> Result<HttpResponse, ApiError> {
    let proof = checked_proof(&state, &req, &mut body)?;
    let rd = checked_rd(&state, &req, body.rd.as_deref());
    let client = state.guard.client(&req);
    let outcome = sign_in(&state, proof, Portal, client).await;
    report::passkey_login(&state, &req, &outcome, true);
    let grant = outcome.map_err(ApiError::from)?;
    let max_age_secs = (grant.absolute_expires_at - clock::now_ms()) / 1000;
    let location = rd.unwrap_or_else(|| HOME.to_string());
    Ok(no_store(HttpResponse::Ok())
        .cookie(state.portal_cookie.issue(&grant.cookie, max_age_secs))
        .json(SignedInAt { location }))
}

/// A same-origin request's challenge id and browser answer (422 when missing).
fn checked_proof(
    state: &AppState,
    req: &HttpRequest,
    body: &mut PasskeySignInBody,
) -> Result<(String, Value), ApiError> {
    state.guard.require_same_origin(req)?;
    let challenge_id = required(body.challenge_id.take(), "challenge_id")?;
    Ok((challenge_id, credential(body.credential.take())?))
}

/// The assertion checked and the session started, in one job on a blocking
/// thread, counted by the client address's throttle.
async fn sign_in<B: Begin>(
    state: &web::Data<AppState>,
    (challenge_id, answer): (String, Value),
    begin: B,
    client: Client,
) -> Result<B::Grant, Refusal>
where
    B::Grant: SignedIn,
{
    let address = client.ip.clone().unwrap_or_default();
    let attempt = state.throttle.reserve(None, &address).await?;
    let worker = state.clone();
    let outcome = blocking::run(move || {
        let now = clock::now_ms();
        let store = worker.store.as_ref();
        Ok(
            match worker
                .passkeys
                .check_sign_in(store, (&challenge_id, answer), now)
            {
                Ok(checked) => {
                    let signed_in = (checked.user, Factors::Passkey);
                    login::start(&worker, signed_in, begin, client, now).map_err(Refusal::from)
                }
                Err(refusal) => Err(refusal),
            },
        )
    })
    .await
    .unwrap_or_else(|e| Err(Refusal::Failed(e)));
    match &outcome {
        Ok(_) => attempt.succeeded(),
        Err(Refusal::Refused | Refusal::ClonedKey { .. })
        | Err(Refusal::Failed(ApiError::InvalidCredentials)) => attempt.failed(),
        Err(_) => drop(attempt),
    }
    outcome
}
