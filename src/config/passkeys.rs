//! The passkeys' relying party id: browsers accept a passkey only on a page whose host is the RP id
//! or within it, so a mismatch is refused at start rather than failing silently in the browser.

use super::ConfigError;

/// `--webauthn-rp-id`, or the host of `--public-url`, or `localhost` (the
/// pages' host without a public URL: `http://localhost:<port>`).
pub(super) fn rp_id(flag: Option<&str>, public_url: Option<&str>) -> Result<String, ConfigError> {
    let host = public_url
        .and_then(|url| url::Url::parse(url).ok())
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_else(|| "localhost".to_string());
    let Some(rp_id) = flag.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(host);
    };
    let rp_id = rp_id.trim_end_matches('.').to_ascii_lowercase();
    let is_domain = !rp_id.is_empty()
        && rp_id.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !is_domain {
        return Err(ConfigError::RpIdNotADomain { rp_id });
    }
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(ConfigError::RpIdOutside { rp_id, host });
    }
    Ok(rp_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rp_id_defaults_to_the_pages_host() {
        assert_eq!(rp_id(None, None).unwrap(), "localhost");
        let public = Some("https://auth.example.com");
        assert_eq!(rp_id(None, public).unwrap(), "auth.example.com");
        assert_eq!(rp_id(Some("Example.com"), public).unwrap(), "example.com");
    }

    #[test]
    fn an_rp_id_the_pages_are_not_within_is_refused() {
        let public = Some("https://auth.example.com");
        assert!(matches!(
            rp_id(Some("ample.com"), public),
            Err(ConfigError::RpIdOutside { .. })
        ));
        assert!(rp_id(Some("example.com"), None).is_err());
        assert!(matches!(
            rp_id(Some("https://example.com"), public),
            Err(ConfigError::RpIdNotADomain { .. })
        ));
    }
}
