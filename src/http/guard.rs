//! Who is calling from where: the cross-origin check for cookie routes, and the client address (the
//! peer, or the last proxy hop when trusted).

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::auth::sessions::Client;
use crate::config::Config;
use crate::error::ApiError;

pub struct RequestGuard {
    cors_origins: Vec<String>,
    public_url: Option<String>,
    trust_proxy: bool,
}

impl RequestGuard {
    pub fn new(config: &Config) -> RequestGuard {
        RequestGuard {
            cors_origins: config.cors_origins.clone(),
            public_url: config.public_url.clone(),
            trust_proxy: config.trust_proxy,
        }
    }

    pub fn is_cors_origin(&self, origin: &str) -> bool {
        let origin = serialized_origin(origin);
        self.cors_origins.contains(&origin)
    }

    /// Routes that read the refresh cookie refuse other sites' pages, so a
    /// foreign page cannot use (and so use up) the cookie.
    pub fn require_same_origin(&self, req: &HttpRequest) -> Result<(), ApiError> {
        const REFUSED: ApiError = ApiError::Forbidden("Cross-origin request refused");
        let headers = req.headers();
        match headers
            .get(header::ORIGIN)
            .map(|v| v.to_str().unwrap_or(""))
        {
            Some(origin) if self.is_cors_origin(origin) || self.is_same_origin(req, origin) => {
                Ok(())
            }
            Some(_) => Err(REFUSED),
            None if headers
                .get("sec-fetch-site")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site")) =>
            {
                Err(REFUSED)
            }
            None => Ok(()),
        }
    }

    /// Without `--public-url`: the `Origin`'s scheme is the one the request
    /// came in on and its host is the `Host`, so `https://h` is not the
    /// same origin as a request on `http://h`.
    fn is_same_origin(&self, req: &HttpRequest, origin: &str) -> bool {
        if let Some(public) = &self.public_url {
            return *public == serialized_origin(origin);
        }
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        scheme.eq_ignore_ascii_case(self.request_scheme(req))
            && host.is_some_and(|host| {
                without_default_port(scheme, authority)
                    .eq_ignore_ascii_case(without_default_port(scheme, host))
            })
    }

    /// `https` on a TLS listener, else `http`; behind a trusted proxy, the
    /// last `X-Forwarded-Proto` value (the proxy's own), when it names one
    /// of the two. Never actix's `connection_info`, which believes any
    /// client's forwarding headers.
    fn request_scheme(&self, req: &HttpRequest) -> &'static str {
        let forwarded = self
            .trust_proxy
            .then(|| req.headers().get_all("x-forwarded-proto").last())
            .flatten()
            .and_then(|line| line.to_str().ok()?.rsplit(',').next())
            .map(str::trim);
        match forwarded {
            Some(p) if p.eq_ignore_ascii_case("https") => "https",
            Some(p) if p.eq_ignore_ascii_case("http") => "http",
            _ if req.app_config().secure() => "https",
            _ => "http",
        }
    }

    pub fn client(&self, req: &HttpRequest) -> Client {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        Client {
            user_agent,
            ip: Some(self.client_address(req)),
        }
    }

    /// Behind a trusted proxy, the last address of the last `X-Forwarded-For`
    /// line: the one the proxy itself appended (a client may send lines and
    /// addresses of its own before it). Anything that is not an IP address
    /// there means the peer.
    pub fn client_address(&self, req: &HttpRequest) -> String {
        let forwarded = self
            .trust_proxy
            .then(|| req.headers().get_all("x-forwarded-for").last())
            .flatten()
            .and_then(|line| line.to_str().ok()?.rsplit(',').next())
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok());
        forwarded
            .or_else(|| req.peer_addr().map(|addr| addr.ip()))
            .map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }
}

/// The origin as the configured ones are kept (lower case, no default
/// port), so `https://x:443` and `https://X` match `https://x`; anything
/// that is no URL matches nothing.
fn serialized_origin(origin: &str) -> String {
    url::Url::parse(origin).map_or_else(|_| String::new(), |u| u.origin().ascii_serialization())
}

fn without_default_port<'a>(scheme: &str, authority: &'a str) -> &'a str {
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    authority.strip_suffix(default).unwrap_or(authority)
}
