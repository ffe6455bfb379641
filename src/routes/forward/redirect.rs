//! A browser at the door: an original GET or HEAD that accepts HTML. When forward auth would
//! answer it 401 and `--public-url` says where the portal is, the answer names the portal's
//! sign-in page with the original URL as `rd`: a 302 with `?redirect=true` (Traefik and Caddy hand
//! the answer to the browser), else a `Location` on the 401 itself, which nginx's
//! `auth_request_set` reads (nginx cannot percent-encode `rd` itself). A refusal under
//! `?redirect=true` is a page, not JSON. An API client always gets the JSON answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::original;
use crate::error::ApiError;
use crate::portal::refusal_page;

/// What forward auth answers a refused or unknown caller.
pub fn refusal(
    req: &HttpRequest,
    error: ApiError,
    redirect: bool,
    public_url: Option<&str>,
) -> HttpResponse {
    if !browser_at_door(req) {
        return error.error_response();
    }
    match error {
        ApiError::NotAuthenticated | ApiError::InvalidToken => match login_url(req, public_url) {
            Some(login) if redirect => HttpResponse::Found()
                .insert_header((header::LOCATION, login))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
            Some(login) => {
                let mut answer = error.error_response();
                if let Ok(value) = header::HeaderValue::from_str(&login) {
                    answer.headers_mut().insert(header::LOCATION, value);
                }
                answer
            }
            None => error.error_response(),
        },
        ApiError::Forbidden(_) | ApiError::SecondFactorRequired if redirect => refusal_page(
            public_url.unwrap_or_default(),
            "Access denied",
            &error.to_string(),
        ),
        error => error.error_response(),
    }
}

/// An original GET or HEAD whose `Accept` includes `text/html`.
fn browser_at_door(req: &HttpRequest) -> bool {
    let method = original::method(req).unwrap_or(req.method().as_str());
    let browser_method = ["GET", "HEAD"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method));
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/html"));
    browser_method && accepts_html
}

/// `<public URL>/login?rd=<original URL>`, when both are known.
fn login_url(req: &HttpRequest, public_url: Option<&str>) -> Option<String> {
    let public_url = public_url?;
    let rd = utf8_percent_encode(&original::url(req)?, NON_ALPHANUMERIC).to_string();
    Some(format!("{public_url}/login?rd={rd}"))
}
