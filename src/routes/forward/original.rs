//! The original request a proxy asks about: `X-Original-URL` and `X-Original-Method` (nginx), or
//! `X-Forwarded-Proto`/`-Host`/`-Uri`/`-Method` (Traefik, Caddy). Access rules need all of host,
//! path and method; a request without them is refused (fail closed), naming what to send.

use actix_web::HttpRequest;

use crate::access::Target;
use crate::error::ApiError;

const MISSING: &str = "access rules need the original request: send X-Original-URL and \
    X-Original-Method (nginx), or X-Forwarded-Host, X-Forwarded-Uri and X-Forwarded-Method \
    (Traefik, Caddy)";

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The original request's method, when the proxy sent it.
pub fn method(req: &HttpRequest) -> Option<&str> {
    header(req, "X-Original-Method").or_else(|| header(req, "X-Forwarded-Method"))
}

/// The original request's absolute URL: `X-Original-URL`, or put together
/// from `X-Forwarded-Proto`, `-Host` and `-Uri`.
pub fn url(req: &HttpRequest) -> Option<String> {
    if let Some(url) = header(req, "X-Original-URL") {
        return url::Url::parse(url).ok().map(String::from);
    }
    let proto = header(req, "X-Forwarded-Proto")?;
    let (host, uri) = header(req, "X-Forwarded-Host").zip(header(req, "X-Forwarded-Uri"))?;
    let url = url::Url::parse(&format!("{proto}://{host}{uri}")).ok()?;
    Some(url.into())
}

/// The original request, or 403 naming the headers the proxy must send.
pub fn target(req: &HttpRequest) -> Result<Target, ApiError> {
    let header = |name: &str| header(req, name);
    let method = method(req);
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
