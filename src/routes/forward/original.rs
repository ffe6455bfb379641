//! The original request a proxy asks about: `X-Original-URL` and `X-Original-Method` (nginx), or
//! `X-Forwarded-Proto`/`-Host`/`-Uri`/`-Method` (Traefik, Caddy). Access rules need all of host,
//! path and method; a request without them is refused (fail closed), naming what to send.

use actix_web::http::header::HeaderName;
use actix_web::HttpRequest;

use crate::access::Target;
use crate::error::ApiError;

const MISSING: &str = "access rules need the original request: send X-Original-URL and \
    X-Original-Method (nginx), or X-Forwarded-Host, X-Forwarded-Uri and X-Forwarded-Method \
    (Traefik, Caddy)";

// Named once: a lookup by `&str` parses the name on every request.
const ORIGINAL_URL: HeaderName = HeaderName::from_static("x-original-url");
const ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
const FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");

fn header<'a>(req: &'a HttpRequest, name: &HeaderName) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The original request's method, when the proxy sent it.
pub fn method(req: &HttpRequest) -> Option<&str> {
    header(req, &ORIGINAL_METHOD).or_else(|| header(req, &FORWARDED_METHOD))
}

/// The original request's absolute URL: `X-Original-URL`, or put together
/// from `X-Forwarded-Proto`, `-Host` and `-Uri`.
pub fn url(req: &HttpRequest) -> Option<String> {
    if let Some(url) = header(req, &ORIGINAL_URL) {
        return url::Url::parse(url).ok().map(String::from);
    }
    let proto = header(req, &FORWARDED_PROTO)?;
    let (host, uri) = header(req, &FORWARDED_HOST).zip(header(req, &FORWARDED_URI))?;
    let url = url::Url::parse(&format!("{proto}://{host}{uri}")).ok()?;
    Some(url.into())
}

/// The original request, or 403 naming the headers the proxy must send.
pub fn target(req: &HttpRequest) -> Result<Target, ApiError> {
    let header = |name: &HeaderName| header(req, name);
    let method = method(req);
    let parsed;
    let place = match header(&ORIGINAL_URL) {
        Some(url) => match plain_url(url) {
            Some(split) => Some(split),
            None => {
                parsed = parsed_url(url);
                parsed
                    .as_ref()
                    .map(|(host, path)| (host.as_str(), path.as_str()))
            }
        },
        None => header(&FORWARDED_HOST).zip(header(&FORWARDED_URI)),
    };
    match (place, method) {
        (Some((host, path)), Some(method)) => Ok(Target::new(host, path, method)),
        _ => Err(ApiError::Forbidden(MISSING)),
    }
}

/// `http(s)://name[:port]/path` where the name is plain ASCII (letters,
/// digits, `-`, `.`; the last label starting with a letter) and the path
/// visible ASCII: what the `url` crate would give, split without its cost.
/// Anything else (IP addresses, IDNs, user info, escapes in the host) takes
/// the full parser, so no spelling of a host reaches a rule another cannot.
fn plain_url(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let name = match authority.split_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return None,
        None => authority,
    };
    let plain_name = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && name
            .trim_end_matches('.')
            .rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_alphabetic()))
        && !name.to_ascii_lowercase().contains("xn--");
    let plain_path = path.bytes().all(|b| b.is_ascii_graphic());
    (plain_name && plain_path).then_some((authority, path))
}

/// Host and path of any absolute URL, as the `url` crate reads it; the path
/// keeps its escapes, which `Target` decodes and resolves.
fn parsed_url(text: &str) -> Option<(String, String)> {
    let url = url::Url::parse(text).ok()?;
    Some((url.host_str()?.to_string(), url.path().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut gives exactly what the full parser gives, once `Target` has normalised both.
    #[test]
    fn plain_urls_split_as_the_url_parser_reads_them() {
        for url in [
            "https://admin.example.com/users/42?tab=sessions",
            "http://Admin.Example.COM:8443/a/../b/%2e%2e/c;x=1",
            "https://admin.example.com.",
            "https://admin.example.com?x=/admin",
            "https://a-b.example.com/x#/admin",
            "https://localhost:8080/",
        ] {
            let (host, path) = plain_url(url).expect(url);
            let (full_host, full_path) = parsed_url(url).unwrap();
            assert_eq!(
                Target::new(host, path, "GET"),
                Target::new(&full_host, &full_path, "GET"),
                "{url}"
            );
        }
    }

    #[test]
    fn unusual_urls_take_the_full_parser() {
        for url in [
            "https://127.0.0.1/admin",
            "https://127.1/admin",
            "https://0x7f.1/admin",
            "https://[::1]:8080/admin",
            "https://user@admin.example.com/",
            "https://%61dmin.example.com/",
            "https://xn--dmin-7na.example.com/",
            "https://exämple.com/",
            "https://admin.example.com:/",
            "https://admin.example.com:x/",
            "https://admin.example.com/ad\tmin",
            "https://admin.example.com/a b",
            "HTTPS://admin.example.com/",
            "https:admin.example.com/",
            "ftp://admin.example.com/",
        ] {
            assert_eq!(plain_url(url), None, "{url}");
        }
    }
}
