//! The original request a proxy asks about: `X-Original-URL` and `X-Original-Method` (nginx), or
//! `X-Forwarded-Proto`/`-Host`/`-Uri`/`-Method` (Traefik, Caddy). Access rules need all of host,
//! path and method; a request without them is refused (fail closed), naming what to send.

use actix_web::HttpRequest;

use crate::access::Target;
use crate::error::ApiError;

const MISSING: &str = "access rules need the original request: send X-Original-URL and \
    X-Original-Method (nginx), or X-Forwarded-Host, X-Forwarded-Uri and X-Forwarded-Method \
    (Traefik, Caddy)";

/// The original request, or 403 naming the headers the proxy must send.
pub fn target(req: &HttpRequest) -> Result<Target, ApiError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
    };
    let method = header("X-Original-Method").or_else(|| header("X-Forwarded-Method"));
    let place = match header("X-Original-URL") {
        Some(url) => from_url(url),
        None => header("X-Forwarded-Host")
            .zip(header("X-Forwarded-Uri"))
            .map(|(host, uri)| (host.to_string(), uri.to_string())),
    };
    match (place, method) {
        (Some((host, path)), Some(method)) => Ok(Target::new(&host, &path, method)),
        _ => Err(ApiError::Forbidden(MISSING)),
    }
}

/// Host and path of an absolute URL (`$scheme://$http_host$request_uri`);
/// the path keeps its escapes, which `Target` decodes and resolves.
fn from_url(text: &str) -> Option<(String, String)> {
    let url = url::Url::parse(text).ok()?;
    let host = url.host_str()?.to_string();
    Some((host, url.path().to_string()))
}
