//! Why the settings were refused: one line each, naming the flag or variable and how to fix it
//! (the caller prints it and exits 2).

use std::net::AddrParseError;

use super::secret::KeySourceError;
use super::values::OriginError;
use crate::access::AccessFileError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{flag} must be longer than 0s")]
    ZeroDuration { flag: &'static str },
    #[error("--cookie-name must be letters, digits, `_` or `-`")]
    CookieName,
    #[error("--login-max-failures and --login-max-failures-per-address must be at least 1")]
    LoginLimits,
    #[error("--issuer must not be empty")]
    EmptyIssuer,
    #[error("--cookie-domain needs --public-url (LATCHKEY_PUBLIC_URL), the portal's address within that domain")]
    CookieDomainWithoutPublicUrl,
    #[error("--cookie-domain `{domain}` must be the host of --public-url (`{host}`) or a domain it is within")]
    CookieDomainOutside { domain: String, host: String },
    #[error("--webauthn-rp-id `{rp_id}` must be a domain name (like example.com), without scheme, port or path")]
    RpIdNotADomain { rp_id: String },
    #[error("--webauthn-rp-id `{rp_id}` does not cover the pages' host `{host}`: browsers refuse passkeys for it; set --webauthn-rp-id to `{host}` or a domain it is within, or set --public-url to the address people use")]
    RpIdOutside { rp_id: String, host: String },
    #[error("--portal-cookie-name must be letters, digits, `_` or `-`, and not the --cookie-name")]
    PortalCookieName,
    #[error("{flag} `{text}` is not an address like {example}")]
    Address {
        flag: &'static str,
        text: String,
        example: &'static str,
        #[source]
        cause: AddrParseError,
    },
    #[error("{flag} {cause}")]
    Origin {
        flag: &'static str,
        #[source]
        cause: OriginError,
    },
    #[error(transparent)]
    Key(#[from] KeySourceError),
    #[error(transparent)]
    AccessRules(#[from] AccessFileError),
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::path::PathBuf;

    use super::ConfigError;
    use crate::config::{Config, ServeArgs};

    fn refused(flags: &[&str]) -> ConfigError {
        let args = ServeArgs::from_flags(flags.iter().copied()).unwrap();
        let secret = "ab".repeat(16) + &"cd".repeat(16);
        Config::from_args(args, PathBuf::from("latchkey.db"), Some(secret), None).unwrap_err()
    }

    #[test]
    fn a_refused_setting_names_its_flag_and_keeps_the_cause() {
        let bind = refused(&["--bind", "localhost"]);
        assert_eq!(
            bind.to_string(),
            "--bind `localhost` is not an address like 127.0.0.1:8080"
        );
        assert!(bind
            .source()
            .is_some_and(|c| c.is::<std::net::AddrParseError>()));

        let origin = refused(&["--cors-origin", "admin.example.com"]);
        assert!(
            origin.to_string().starts_with(
                "--cors-origin `admin.example.com` must be an http:// or https:// URL ("
            ),
            "{origin}"
        );
        let parser_said = origin.source().and_then(|why| why.source());
        assert!(parser_said.is_some_and(|c| c.is::<url::ParseError>()));
    }

    #[test]
    fn a_bad_inline_secret_says_how_to_make_one() {
        let args = ServeArgs::from_flags([]).unwrap();
        let short = Config::from_args(args, PathBuf::from("x.db"), Some("ab".repeat(8)), None);
        assert_eq!(
            short.unwrap_err().to_string(),
            "LATCHKEY_SECRET decodes to 8 bytes; it needs at least 32 (try `openssl rand -hex 32`)"
        );
    }
}
