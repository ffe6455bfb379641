//! `POST /logout`: ends the portal cookie's session and clears the cookie (same attributes,
//! `Max-Age=0`), then 303s to `/login`; a request without a live cookie is cleared and redirected
//! all the same.

use actix_web::{web, HttpRequest, HttpResponse};

use super::answer::{cross_origin, failed, see_other, HOME};
use crate::audit::Kind;
use crate::auth::sessions::portal_hash;
use crate::blocking;
use crate::clock;
use crate::http::report;
use crate::state::AppState;
use crate::store::EndReason;

#[utoipa::path(post, path = "/logout", tag = "portal", operation_id = "portal_sign_out",
    summary = "Sign out of the portal",
    security((), ("PortalCookie" = [])),
    responses(
        (status = 303, description = "Signed out: to `/login`, the portal cookie cleared",
            headers(("Set-Cookie" = String, description = "The portal cookie with `Max-Age=0`"))),
        (status = 403, description = "Sent from another site's page", content_type = "text/html", body = String),
        (status = 503, description = "Busy; `Retry-After` says when to retry", content_type = "text/html", body = String)))]
pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if state.guard.require_same_origin(&req).is_err() {
        return cross_origin();
    }
    if let Some(value) = state.portal_cookie.read(&req) {
        let store = state.store.clone();
        let hash = portal_hash(&value);
        let ended = blocking::run(move || {
            let Some((session, user)) = store.portal_session(&hash)? else {
                return Ok(None);
            };
            let ended =
                store.end_own_session(user.id, &session.id, EndReason::Logout, clock::now_ms())?;
            Ok(ended.then_some(user.username))
        })
        .await;
        match ended {
            Ok(Some(username)) => {
                let event = report::event(&state, &req, Kind::Logout, &username);
                report::audit(&state, report::from_portal(event));
            }
            Ok(None) => {}
            Err(e) => return failed(&e),
        }
    }
    see_other(HOME).cookie(state.portal_cookie.clear()).finish()
}
