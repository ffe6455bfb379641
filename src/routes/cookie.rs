//! The refresh cookie: HttpOnly, SameSite, Secure by default, `Path=/user`, `Max-Age` in seconds the session has left; cleared with the same attributes.

use actix_web::cookie::{time, Cookie, SameSite as CookieSameSite};
use actix_web::HttpRequest;

use crate::config::{Config, SameSite};
use crate::domain::RefreshSecret;

const COOKIE_PATH: &str = "/user";

pub struct CookieSettings {
    name: String,
    secure: bool,
    same_site: CookieSameSite,
}

impl CookieSettings {
    pub fn new(config: &Config) -> CookieSettings {
        CookieSettings {
            name: config.cookie_name.clone(),
            secure: config.cookie_secure,
            same_site: match config.cookie_samesite {
                SameSite::Strict => CookieSameSite::Strict,
                SameSite::Lax => CookieSameSite::Lax,
            },
        }
    }

    /// The cookie's name, for the OpenAPI document's cookie scheme.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The refresh id the request carries, if it has the right shape.
    pub fn read(&self, req: &HttpRequest) -> Option<RefreshSecret> {
        RefreshSecret::from_cookie(req.cookie(&self.name)?.value())
    }

    pub fn issue(&self, secret: &RefreshSecret, max_age_secs: i64) -> Cookie<'static> {
        self.build(secret.to_cookie(), max_age_secs.max(0))
    }

    pub fn clear(&self) -> Cookie<'static> {
        self.build(String::new(), 0)
    }

    fn build(&self, value: String, max_age_secs: i64) -> Cookie<'static> {
        Cookie::build(self.name.clone(), value)
            .http_only(true)
            .secure(self.secure)
            .same_site(self.same_site)
            .path(COOKIE_PATH)
            .max_age(time::Duration::seconds(max_age_secs))
            .finish()
    }
}
