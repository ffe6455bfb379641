//! How the portal answers besides its forms: a 303 that carries the portal cookie (set or
//! cleared), the pages for a refused or failed request, and the `rd` it may send a browser to.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::auth::sessions::PortalGrant;
use crate::clock;
use crate::error::ApiError;
use crate::http::body::FormOrJson;
use crate::portal::pages::{problem_page, PORTAL_CSP};
use crate::state::AppState;

/// Where the portal sends a browser when there is nowhere better.
pub const HOME: &str = "/login";

/// The text of a refused sign-in, the same for every reason.
pub const INCORRECT: &str = "Incorrect username or password";

/// A 303 to `location`, with the headers every portal answer carries.
pub fn see_other(location: &str) -> HttpResponseBuilder {
    let mut answer = HttpResponse::SeeOther();
    answer
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PORTAL_CSP));
    answer
}

/// Signed in: on to `rd` (or the portal), with the cookie, which lives
/// until the session's absolute limit.
pub fn signed_in(state: &AppState, grant: &PortalGrant, rd: Option<&str>) -> HttpResponse {
    let max_age_secs = (grant.absolute_expires_at - clock::now_ms()) / 1000;
    see_other(rd.unwrap_or(HOME))
        .cookie(state.portal_cookie.issue(&grant.cookie, max_age_secs))
        .finish()
}

/// `rd` when the redirect rule lets a browser be sent there; else nothing,
/// so a refused value is never shown again.
pub fn checked_rd(state: &AppState, req: &HttpRequest, rd: Option<&str>) -> Option<String> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default();
    state.redirects.checked(rd?.trim(), host)
}

/// A portal POST's form, once the cross-origin check passed and the body
/// was read; else the page that refuses it (403, or the body's 413/415/422).
pub fn posted<T>(
    state: &AppState,
    req: &HttpRequest,
    body: Result<FormOrJson<T>, ApiError>,
) -> Result<T, Box<HttpResponse>> {
    if state.guard.require_same_origin(req).is_err() {
        return Err(Box::new(cross_origin()));
    }
    body.map(|FormOrJson(body)| body)
        .map_err(|e| Box::new(failed(&e)))
}

/// A POST from another site's page: nothing was read or changed.
pub fn cross_origin() -> HttpResponse {
    problem_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form was sent from another site, so it was not used. Open the sign-in page and try again.",
        None,
    )
}

/// Anything but the form's own outcomes: too many attempts (with when to
/// retry), a busy server, an unreadable form, a bug (logged, never shown).
pub fn failed(error: &ApiError) -> HttpResponse {
    error.log();
    let status = actix_web::ResponseError::status_code(error);
    let retry_after = error.retry_after();
    let (title, message) = match error {
        ApiError::Throttled { .. } => (
            "Too many attempts",
            "Too many sign-in attempts. Wait a little, then try again.",
        ),
        ApiError::Busy | ApiError::StorageFull => {
            ("Busy", "The server is busy. Wait a moment, then try again.")
        }
        ApiError::Internal(_) => ("Something went wrong", "Something went wrong. Try again."),
        _ => (
            "The form could not be read",
            "The form could not be read. Open the sign-in page and try again.",
        ),
    };
    problem_page(status, title, message, retry_after)
}
