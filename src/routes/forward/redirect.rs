//! `?redirect=true`: what forward auth would answer 401 becomes a 302 to the portal's sign-in page,
//! only for an original GET or HEAD that accepts HTML (a browser at the door; an API client still
//! gets its 401), and only when `--public-url` says where the portal is.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::original;

/// The 302 to `<public URL>/login?rd=<original URL>`, or `None` (the 401 stands).
pub fn to_portal(req: &HttpRequest, public_url: Option<&str>) -> Option<HttpResponse> {
    let public_url = public_url?;
    let method = original::method(req).unwrap_or(req.method().as_str());
    let browser_method = ["GET", "HEAD"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method));
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/html"));
    if !browser_method || !accepts_html {
        return None;
    }
    let rd = utf8_percent_encode(&original::url(req)?, NON_ALPHANUMERIC).to_string();
    Some(
        HttpResponse::Found()
            .insert_header((header::LOCATION, format!("{public_url}/login?rd={rd}")))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    )
}
