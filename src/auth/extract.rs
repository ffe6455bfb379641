//! `Caller`: the user behind a Bearer access token, checked against the database on every request
//! so an ended session or a disabled user is refused at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{SessionKind, User};

pub struct Caller {
    pub user: User,
    pub session_id: String,
    /// The session's sign-in used a second factor.
    pub second_factor: bool,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("app state missing"))?;
            let claims = state.tokens.verify(&token?).ok_or(ApiError::InvalidToken)?;
            let store = state.store.clone();
            let sid = claims.sid.clone();
            let kid = claims.kid.clone();
            // A revoked key's tokens are refused at once, though validly signed.
            let found = state
                .readers
                .read(move || Ok(store.session_with_user(&sid, kid.as_deref())?))
                .await?;
            let (session, user) = found.ok_or(ApiError::InvalidToken)?;
            // A portal session signs no token; one naming it opens nothing here.
            let live = session.kind == SessionKind::App
                && session.ended.is_none()
                && !session.is_expired(clock::now_ms())
                && !user.disabled
                && user.username == claims.sub;
            if !live {
                return Err(ApiError::InvalidToken);
            }
            Ok(Caller {
                user,
                second_factor: session.factors.two(),
                session_id: session.id,
            })
        })
    }
}

/// Like FastAPI's OAuth2PasswordBearer: no `Authorization: Bearer` header is
/// "Not authenticated"; a Bearer header with a bad token is "Could not validate".
/// The scheme is matched case-insensitively (RFC 9110 §11.1), which is why
/// this is not actix-web-httpauth's `Bearer` extractor: it takes `Bearer`
/// only as written, and answers its own texts rather than FastAPI's. (The
/// crate builds the `WWW-Authenticate` challenge, in `error.rs`.)
pub(crate) fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    let (scheme, rest) = value.split_at_checked(6).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::NotAuthenticated);
    }
    let token = rest
        .strip_prefix(' ')
        .map(str::trim_start)
        .ok_or(ApiError::InvalidToken)?;
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(ApiError::InvalidToken);
    }
    Ok(token.to_string())
}

/// An admin, per the database (not the token's claim, which may be stale).
pub struct Admin(pub Caller);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if caller.user.admin {
                Ok(Admin(caller))
            } else {
                Err(ApiError::Forbidden("Admin role required"))
            }
        })
    }
}
