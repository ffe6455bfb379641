//! The portal's cookie settings: a `--cookie-domain` is only for a portal whose `--public-url`
//! host lies within it, so the cookie the portal sets is one the browser keeps and sends back.

use super::values::is_cookie_name;
use super::ConfigError;

/// `--cookie-domain` (lower case, no leading dot), checked against the
/// public URL; `None` keeps the portal cookie host-only.
pub(super) fn cookie_domain(
    domain: Option<&str>,
    public_url: Option<&str>,
) -> Result<Option<String>, ConfigError> {
    let Some(domain) = domain.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    let Some(public_url) = public_url else {
        return Err(ConfigError::CookieDomainWithoutPublicUrl);
    };
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let within = host == domain || host.ends_with(&format!(".{domain}"));
    if domain.contains(['/', ':', ' ']) || !within {
        return Err(ConfigError::CookieDomainOutside { domain, host });
    }
    Ok(Some(domain))
}

impl super::Config {
    /// The host of `--public-url`, when set: the portal's own host.
    pub fn public_host(&self) -> Option<String> {
        let url = url::Url::parse(self.public_url.as_deref()?).ok()?;
        url.host_str().map(str::to_string)
    }
}

pub(super) fn portal_cookie_name(name: &str, refresh_cookie: &str) -> Result<(), ConfigError> {
    // One name for both would make each route read the other's cookie.
    if !is_cookie_name(name) || name == refresh_cookie {
        return Err(ConfigError::PortalCookieName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_domain_must_hold_the_public_host() {
        let public = Some("https://auth.example.com");
        assert_eq!(
            cookie_domain(Some(".Example.com"), public).unwrap(),
            Some("example.com".into())
        );
        assert_eq!(
            cookie_domain(Some("auth.example.com"), public).unwrap(),
            Some("auth.example.com".into())
        );
        assert_eq!(cookie_domain(None, public).unwrap(), None);
        assert!(cookie_domain(Some("ample.com"), public).is_err());
        assert!(cookie_domain(Some("other.org"), public).is_err());
        assert!(cookie_domain(Some("example.com"), None).is_err());
    }
}
