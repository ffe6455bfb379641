//! The refresh cookie: HttpOnly, SameSite, Secure by default, `Path=/user`, `Max-Age` in seconds
//! the session has left; cleared with the same attributes. A request that carries it twice (cookie
//! tossing) uses neither.

use actix_web::cookie::{time, Cookie, SameSite as CookieSameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::config::{Config, SameSite};
use crate::domain::RefreshSecret;

const COOKIE_PATH: &str = "/user";

/// What the request's refresh cookie says.
pub enum Presented {
    /// No cookie, or one that is not a refresh id.
    Nothing,
    Id(RefreshSecret),
    /// The name more than once: another path or a sibling subdomain planted
    /// one, and which is the client's own cannot be told.
    Tossed,
}

impl Presented {
    pub fn id(self) -> Option<RefreshSecret> {
        match self {
            Presented::Id(id) => Some(id),
            _ => None,
        }
    }
}

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

    /// The refresh id the request carries, if it has the right shape and
    /// comes once.
    pub fn read(&self, req: &HttpRequest) -> Presented {
        match once(req, &self.name) {
            Err(Tossed) => Presented::Tossed,
            Ok(Some(value)) => {
                RefreshSecret::from_cookie(value).map_or(Presented::Nothing, Presented::Id)
            }
            Ok(None) => Presented::Nothing,
        }
    }

    /// The answer to a request that carried the cookie twice: it clears the
    /// cookie at `/user` (unless it sets a new one there) and at the route's
    /// own path, where a more specific planted one would sit.
    pub fn clear_tossed(&self, req: &HttpRequest, mut response: HttpResponse) -> HttpResponse {
        let issued = response.cookies().any(|c| c.name() == self.name);
        let paths = [(!issued).then_some(COOKIE_PATH), Some(req.path())];
        for path in paths.into_iter().flatten() {
            let cleared = self.build(String::new(), 0, path);
            if let Err(e) = response.add_cookie(&cleared) {
                tracing::warn!(error = %e, "could not clear a tossed cookie");
            }
        }
        response
    }

    pub fn issue(&self, secret: &RefreshSecret, max_age_secs: i64) -> Cookie<'static> {
        self.build(secret.to_cookie(), max_age_secs.max(0), COOKIE_PATH)
    }

    pub fn clear(&self) -> Cookie<'static> {
        self.build(String::new(), 0, COOKIE_PATH)
    }

    fn build(&self, value: String, max_age_secs: i64, path: &str) -> Cookie<'static> {
        Cookie::build(self.name.clone(), value)
            .http_only(true)
            .secure(self.secure)
            .same_site(self.same_site)
            .path(path.to_string())
            .max_age(time::Duration::seconds(max_age_secs))
            .finish()
    }
}

/// The cookie `name` came more than once.
pub(crate) struct Tossed;

/// The value of the cookie `name` when the request carries it at most once:
/// twice, another path or a sibling subdomain planted one, and which is the
/// client's own cannot be told.
pub(crate) fn once<'r>(req: &'r HttpRequest, name: &str) -> Result<Option<&'r str>, Tossed> {
    let mut values = req
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .filter(|(found, _)| found.trim() == name)
        .map(|(_, value)| value.trim());
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(Tossed),
        (value, _) => Ok(value),
    }
}
