//! The portal's HTML pages, each a whole response: templates checked at compile time with HTML
//! escaping on, never cached, never framed, no inline script (the CSP refuses them): the only
//! script is the sign-in page's passkey button, a file of this server's.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

/// What the portal's pages allow: scripts only from this server (the passkey button's), never framed.
pub const PORTAL_CSP: &str = "frame-ancestors 'none'; script-src 'self'";

/// What the sign-in page shows again: the name typed, where to go next, what went wrong.
/// The form is its template's value as it is.
#[derive(Clone, Debug, Default, Template)]
#[template(path = "portal/sign_in.html")]
pub struct SignInForm {
    pub username: String,
    pub rd: Option<String>,
    pub error: Option<String>,
}

/// The code page's state: the login's `mfa_token`, where to go next, what went wrong.
#[derive(Clone, Debug, Default, Template)]
#[template(path = "portal/code.html")]
pub struct CodeForm {
    pub mfa_token: String,
    pub rd: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/signed_in.html")]
struct SignedInTemplate<'a> {
    username: &'a str,
}

#[derive(Template)]
#[template(path = "portal/problem.html")]
struct ProblemTemplate<'a> {
    /// The portal's address before its paths: empty on its own pages, the
    /// public URL on a page forward auth shows at another tool's address.
    portal: &'a str,
    title: &'a str,
    message: &'a str,
    retry_after: Option<u64>,
}

/// The sign-in form (username, password, the `rd` carried along), with an error line if any.
pub fn sign_in_page(status: StatusCode, form: &SignInForm) -> HttpResponse {
    respond(status, form.render(), None)
}

/// The second step: a code from the authenticator app or a recovery code.
pub fn code_page(status: StatusCode, form: &CodeForm) -> HttpResponse {
    respond(status, form.render(), None)
}

/// `GET /login` for a visitor already signed in and going nowhere in particular.
pub fn signed_in_page(username: &str) -> HttpResponse {
    respond(StatusCode::OK, SignedInTemplate { username }.render(), None)
}

/// Anything that is not a form: a refused request, too many attempts (with when to retry).
pub fn problem_page(
    status: StatusCode,
    title: &str,
    message: &str,
    retry_after: Option<u64>,
) -> HttpResponse {
    problem_page_of("", status, title, message, retry_after)
}

/// A refusal forward auth shows in place of a tool, at the tool's address:
/// the stylesheet and the way back to sign-in are the portal's (`portal`, its public URL).
pub fn refusal_page(portal: &str, title: &str, message: &str) -> HttpResponse {
    problem_page_of(portal, StatusCode::FORBIDDEN, title, message, None)
}

fn problem_page_of(
    portal: &str,
    status: StatusCode,
    title: &str,
    message: &str,
    retry_after: Option<u64>,
) -> HttpResponse {
    let page = ProblemTemplate {
        portal,
        title,
        message,
        retry_after,
    };
    respond(status, page.render(), retry_after)
}

fn respond(
    status: StatusCode,
    body: askama::Result<String>,
    retry_after: Option<u64>,
) -> HttpResponse {
    // Rendering fails only if writing to a String fails; a page in that state must still be
    // an answer, not a panic.
    let Ok(body) = body else {
        return HttpResponse::InternalServerError()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("The page could not be shown.");
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PORTAL_CSP))
        // Under the default `no-referrer` a browser posts these forms with `Origin: null`,
        // which the cross-origin check must refuse; the origin goes only to this server.
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    if let Some(seconds) = retry_after {
        response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
    }
    response.body(body)
}

#[cfg(test)]
mod tests;
