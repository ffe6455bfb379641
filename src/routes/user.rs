//! `/user/*`: login, refresh, logout and the current user. Thin: parse, call the rules, shape the answer.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::Kind;
use crate::auth::extract::Caller;
use crate::auth::login::{self, Credentials};
use crate::auth::sessions::Grant;
use crate::blocking;
use crate::clock;
use crate::domain::RefreshSecret;
use crate::error::ApiError;
use crate::routes::body::{required, FormOrJson};
use crate::routes::report;
use crate::state::AppState;
use crate::store::User;

#[derive(Deserialize)]
pub struct LoginForm {
    username: Option<String>,
    password: Option<String>,
}

#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub token_expiry: u64,
}

/// A user as clients see it (`id` is the username, as React Admin expects).
#[derive(Serialize)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub disabled: bool,
    pub admin: bool,
    pub created_at: String,
}

impl From<&User> for UserRecord {
    fn from(user: &User) -> UserRecord {
        UserRecord {
            id: user.username.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            disabled: user.disabled,
            admin: user.admin,
            created_at: clock::rfc3339(user.created_at),
        }
    }
}

pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormOrJson(form): FormOrJson<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let credentials = Credentials {
        username: required(form.username, "username")?,
        password: required(form.password, "password")?,
    };
    let presented = state.cookie.read(&req);
    let client = state.guard.client(&req);
    let tried = credentials.username.clone();
    let grant = login::login(state.clone(), credentials, presented, client).await;
    report::login(&state, &req, &tried, &grant);
    grant_response(&state, grant?)
}

pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    let (grant, reused_by) = match state.cookie.read(&req) {
        Some(presented) => rotate(&state, presented).await,
        None => (Err(ApiError::RefreshNotFound), None),
    };
    report::refresh(&state, &req, &grant, reused_by.as_deref());
    grant_response(&state, grant?)
}

/// One blocking hop: the refresh and, when it revoked a family for reuse,
/// whose family that was (for the audit trail).
async fn rotate(
    state: &web::Data<AppState>,
    presented: RefreshSecret,
) -> (Result<Grant, ApiError>, Option<String>) {
    let state = state.clone();
    let outcome = blocking::run(move || {
        let store = state.store.as_ref();
        let grant = state.sessions.refresh(store, &presented, clock::now_ms());
        let reused_by = match &grant {
            Err(ApiError::ReuseDetected) => store.find_refresh(&presented.hash()).ok().flatten(),
            _ => None,
        };
        Ok((grant, reused_by.map(|record| record.user.username)))
    })
    .await;
    outcome.unwrap_or_else(|e| (Err(e), None))
}

/// Always 204: admin UIs call logout whenever a check fails, even with no session.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.guard.require_same_origin(&req)?;
    if let Some(presented) = state.cookie.read(&req) {
        let worker_state = state.clone();
        let ended = blocking::run(move || {
            let store = worker_state.store.as_ref();
            // Whose live session this ends, for the audit trail.
            let owner = store
                .find_refresh(&presented.hash())?
                .filter(|record| record.session.ended.is_none())
                .map(|record| record.user.username);
            worker_state
                .sessions
                .logout(store, &presented, clock::now_ms())?;
            Ok(owner)
        })
        .await?;
        if let Some(username) = ended {
            report::audit(&state, report::event(&state, &req, Kind::Logout, &username));
        }
    }
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(state.cookie.clear())
        .finish())
}

pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserRecord::from(&caller.user))
}

fn grant_response(state: &AppState, grant: Grant) -> Result<HttpResponse, ApiError> {
    let now = clock::now_ms();
    let access = state
        .tokens
        .issue(&grant.user, &grant.session_id, now / 1000)
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
