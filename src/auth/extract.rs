//! `Caller`: the user behind a Bearer access token, checked against the database on every request so an ended session or a disabled user is refused at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::blocking;
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::User;

pub struct Caller {
    pub user: User,
    pub session_id: String,
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
            let found = blocking::read(move || Ok(store.session_with_user(&sid)?)).await?;
            let (session, user) = found.ok_or(ApiError::InvalidToken)?;
            let live = session.ended.is_none()
                && !session.is_expired(clock::now_ms())
                && !user.disabled
                && user.username == claims.sub;
            if !live {
                return Err(ApiError::InvalidToken);
            }
            Ok(Caller {
                user,
                session_id: session.id,
            })
        })
    }
}

/// Like FastAPI's OAuth2PasswordBearer: no `Authorization: Bearer` header is
/// "Not authenticated"; a Bearer header with a bad token is "Could not validate".
/// The header is read once: only the exact `Bearer <token>` form carries a
/// token (as `actix-web-httpauth` parses it); any other spelling is refused.
fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.trim_start()
                .get(..6)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
        })
        .ok_or(ApiError::NotAuthenticated)?;
    match value.split_once(' ') {
        Some(("Bearer", token)) => Ok(token.to_string()),
        _ => Err(ApiError::InvalidToken),
    }
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
