//! `/user/passkeys*`: a signed-in user's own passkeys. Adding one needs the password (and the code
//! while TOTP is on), removing one the password, both through the login throttle; each ends the
//! user's other sessions. A refused registration is 400 and stores nothing.

pub(crate) mod admin;
mod input;
pub(crate) mod sign_in;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{Describe, Kind};
use crate::auth::extract::Caller;
use crate::auth::passkeys::Begun;
use crate::error::ApiError;
use crate::http::body::{read_after_auth, required};
use crate::http::report;
use crate::openapi::{self, fields};
use crate::routes::mfa::proof::with_password;
use crate::state::AppState;
use crate::store::{EndReason, EndSessions, PasskeyRecord};
use crate::{blocking, clock};
pub(crate) use input::credential;
use input::passkey_name;

/// A passkey as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PasskeyItem {
    id: String,
    /// Chosen by the user, 1–64 characters.
    name: String,
    created_at: String,
    last_used_at: Option<String>,
}

impl From<PasskeyRecord> for PasskeyItem {
    fn from(p: PasskeyRecord) -> PasskeyItem {
        PasskeyItem {
            id: p.id,
            name: p.name,
            created_at: clock::rfc3339(p.created_at),
            last_used_at: p.last_used_at.map(clock::rfc3339),
        }
    }
}

/// A ceremony's first step: send `options` to the browser, then `challenge_id`
/// with its answer to the matching `/finish` (within 5 minutes, once).
#[derive(Serialize, utoipa::ToSchema)]
pub struct CeremonyOptions {
    challenge_id: String,
    /// `{"publicKey": {…}}`: the options for `navigator.credentials.create` or `.get`.
    #[schema(value_type = Object)]
    options: Value,
}

impl From<Begun> for CeremonyOptions {
    fn from(b: Begun) -> CeremonyOptions {
        CeremonyOptions {
            challenge_id: b.challenge_id,
            options: b.options,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasskeyRegisterBody {
    #[schema(required = true, schema_with = fields::not_blank_password)]
    current_password: Option<String>,
    /// While TOTP is on: one of its codes, or a recovery code.
    code: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasskeyFinishBody {
    #[schema(required = true, schema_with = fields::not_blank)]
    challenge_id: Option<String>,
    #[schema(required = true, schema_with = fields::passkey_name)]
    name: Option<String>,
    /// The browser's answer (`PublicKeyCredential.toJSON()`).
    #[schema(required = true, value_type = Object)]
    credential: Option<Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasskeyRenameBody {
    #[schema(required = true, schema_with = fields::passkey_name)]
    name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PasskeyRemoveBody {
    #[schema(required = true, schema_with = fields::not_blank_password)]
    current_password: Option<String>,
}

pub(crate) fn no_store(
    mut response: actix_web::HttpResponseBuilder,
) -> actix_web::HttpResponseBuilder {
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    response
}

const NO_SUCH_PASSKEY: ApiError = ApiError::NotFound("Passkey not found");

#[utoipa::path(get, path = "/user/passkeys", tag = "passkeys", operation_id = "list_passkeys",
    summary = "The caller's passkeys", security(("OAuth2PasswordBearer" = [])),
    responses((status = 200, description = "Oldest first", body = [PasskeyItem]), openapi::Bearer))]
pub async fn list(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let found = blocking::run(move || Ok(store.passkeys(caller.user.id)?)).await?;
    let items: Vec<PasskeyItem> = found.into_iter().map(PasskeyItem::from).collect();
    Ok(no_store(HttpResponse::Ok()).json(items))
}

#[utoipa::path(post, path = "/user/passkeys/register", tag = "passkeys",
    operation_id = "register_passkey", summary = "Start adding a passkey",
    description = "Needs the current password and, while TOTP is on, one of its codes (or a \
        recovery code). Answers with the creation options (user verification and a resident \
        key required, the caller's passkeys excluded) and the `challenge_id` for \
        `/user/passkeys/register/finish`. A wrong password or code is 400 and counts toward \
        the login throttle.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content((PasskeyRegisterBody = "application/json"), (PasskeyRegisterBody = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "The creation options", body = CeremonyOptions),
        openapi::Bearer, openapi::WrongPasswordOrCode, openapi::Body))]
pub async fn register(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyRegisterBody = read_after_auth(&req, payload).await?;
    let current = required(body.current_password, "current_password")?;
    let (user, code) = (caller.user.clone(), body.code);
    let begun = with_password(&state, &req, &caller, current, move |rules| {
        let (store, now) = (rules.store.as_ref(), clock::now_ms());
        let in_force = store.mfa(user.id)?.is_some_and(|m| m.active());
        rules
            .mfa
            .prove(store, (user.id, in_force), code.as_deref(), now)?;
        rules.passkeys.begin_registration(store, &user, now)
    })
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(CeremonyOptions::from(begun)))
}

#[utoipa::path(post, path = "/user/passkeys/register/finish", tag = "passkeys",
    operation_id = "finish_passkey_registration", summary = "Add the passkey",
    description = "The browser's answer to the challenge of `challenge_id`, and a name. \
        Stores the passkey and ends the caller's other sessions. A registration that does not \
        verify is 400 `invalid_request`, and nothing is stored.",
    security(("OAuth2PasswordBearer" = [])),
    request_body(content((PasskeyFinishBody = "application/json"))),
    responses((status = 201, description = "The passkey", body = PasskeyItem),
        openapi::Bearer, openapi::PasskeyRefused, openapi::Body))]
pub async fn register_finish(
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyFinishBody = read_after_auth(&req, payload).await?;
    let challenge_id = required(body.challenge_id, "challenge_id")?;
    let name = passkey_name(body.name)?;
    let answer = credential(body.credential)?;
    let rules = state.clone();
    let user = caller.user.clone();
    let record = blocking::run(move || {
        let (store, now) = (rules.store.as_ref(), clock::now_ms());
        let finish = (challenge_id.as_str(), name.as_str(), answer);
        let user = (&caller.user, caller.session_id.as_str());
        rules.passkeys.finish_registration(store, user, finish, now)
    })
    .await?;
    let event = report::event(&state, &req, Kind::PasskeyAdded, &user.username);
    report::audit(&state, event.reason(&record.id));
    Ok(no_store(HttpResponse::Created()).json(PasskeyItem::from(record)))
}

#[utoipa::path(patch, path = "/user/passkeys/{id}", tag = "passkeys",
    operation_id = "rename_passkey", summary = "Rename one of the caller's passkeys",
    security(("OAuth2PasswordBearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /user/passkeys`")),
    request_body(content((PasskeyRenameBody = "application/json"), (PasskeyRenameBody = "application/x-www-form-urlencoded"))),
    responses((status = 200, description = "The renamed passkey", body = PasskeyItem),
        openapi::Bearer, openapi::NotFound, openapi::Body))]
pub async fn rename(
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyRenameBody = read_after_auth(&req, payload).await?;
    let name = passkey_name(body.name)?;
    let store = state.store.clone();
    let renamed = blocking::run(move || Ok(store.rename_passkey(caller.user.id, &id, &name)?))
        .await?
        .ok_or(NO_SUCH_PASSKEY)?;
    Ok(no_store(HttpResponse::Ok()).json(PasskeyItem::from(renamed)))
}

#[utoipa::path(delete, path = "/user/passkeys/{id}", tag = "passkeys",
    operation_id = "remove_passkey", summary = "Remove one of the caller's passkeys",
    description = "Needs the current password (400 when wrong, counted by the login \
        throttle). Ends the caller's other sessions.",
    security(("OAuth2PasswordBearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /user/passkeys`")),
    request_body(content((PasskeyRemoveBody = "application/json"), (PasskeyRemoveBody = "application/x-www-form-urlencoded"))),
    responses((status = 204, description = "Removed"), openapi::Bearer,
        openapi::WrongCurrentPassword, openapi::NotFound, openapi::Body))]
pub async fn remove(
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: PasskeyRemoveBody = read_after_auth(&req, payload).await?;
    let current = required(body.current_password, "current_password")?;
    let (user_id, keep, passkey) = (caller.user.id, caller.session_id.clone(), id.clone());
    let removed = with_password(&state, &req, &caller, current, move |rules| {
        let end = EndSessions::AllBut(&keep, EndReason::MfaChanged);
        let now = clock::now_ms();
        Ok(rules
            .store
            .remove_passkeys(user_id, Some(&passkey), end, now)?)
    })
    .await?;
    if removed == 0 {
        return Err(NO_SUCH_PASSKEY);
    }
    let username = &caller.user.username;
    let event = report::event(&state, &req, Kind::PasskeyRemoved, username);
    report::audit(&state, event.actor(username).reason(&id));
    Ok(no_store(HttpResponse::NoContent()).finish())
}
