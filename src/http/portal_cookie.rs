//! The sign-in portal's cookie: HttpOnly, Secure per `--cookie-secure`, SameSite=Lax (it must come
//! along when a link from another site opens a protected tool), `Path=/`, `Domain` when
//! `--cookie-domain` is set, `Max-Age` the seconds to the session's absolute limit; cleared with
//! the same attributes. A request that carries it twice (cookie tossing) uses neither.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;

use super::cookie::once;

use crate::auth::sessions::PortalSecret;
use crate::config::Config;

pub struct PortalCookie {
    name: String,
    secure: bool,
    domain: Option<String>,
}

impl PortalCookie {
    pub fn new(config: &Config) -> PortalCookie {
        PortalCookie {
            name: config.portal_cookie_name.clone(),
            secure: config.cookie_secure,
            domain: config.cookie_domain.clone(),
        }
    }

    /// The cookie's name, for the OpenAPI document's cookie scheme.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie's value, when the request carries it exactly once.
    pub fn read(&self, req: &HttpRequest) -> Option<String> {
        let value = once(req, &self.name).ok().flatten()?;
        (!value.is_empty()).then(|| value.to_string())
    }

    pub fn issue(&self, secret: &PortalSecret, max_age_secs: i64) -> Cookie<'static> {
        self.build(secret.expose().to_string(), max_age_secs.max(0))
    }

    pub fn clear(&self) -> Cookie<'static> {
        self.build(String::new(), 0)
    }

    fn build(&self, value: String, max_age_secs: i64) -> Cookie<'static> {
        let mut cookie = Cookie::build(self.name.clone(), value)
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(time::Duration::seconds(max_age_secs))
            .finish();
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie
    }
}
