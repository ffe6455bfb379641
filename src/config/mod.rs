//! Settings from flags and `LATCHKEY_*` variables, validated once at start; nothing else reads the
//! environment.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;
use secrecy::SecretString;

use crate::access::AccessRules;
use crate::secret::KeySource;
use crate::store::Database;

mod error;
mod flags;
mod passkeys;
mod portal;
mod secret;
mod values;

pub use error::ConfigError;
pub use flags::ServeArgs;
use secret::choose_key;
pub use secret::{key_source, KeySourceError};
pub use values::{default_db_path, OriginError, SecretError};

use values::{is_cookie_name, normalize_origin};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
}

/// The validated settings of `latchkey serve`. Secrets are `secrecy`
/// types, so the derived `Debug` shows every setting but them.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub db: Database,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub session_max_age: Duration,
    pub cookie_name: String,
    pub cookie_secure: bool,
    pub cookie_samesite: SameSite,
    /// `--cookie-domain`: the portal cookie's `Domain` (checked to hold the public URL's host).
    pub cookie_domain: Option<String>,
    pub portal_cookie_name: String,
    /// The passkeys' relying party id (checked to hold the pages' host).
    pub webauthn_rp_id: String,
    pub cors_origins: Vec<String>,
    pub issuer: String,
    /// The issuer authenticator apps show (`--mfa-issuer`, else `issuer`).
    pub mfa_issuer: String,
    /// Sign access tokens with EdDSA rather than HS256.
    pub eddsa: bool,
    /// `--key-rotation`; zero is off.
    pub key_rotation: Duration,
    pub key: KeySource,
    pub public_url: Option<String>,
    pub reuse_grace: Duration,
    pub login_max_failures: u32,
    pub login_max_failures_per_address: u32,
    pub login_window: Duration,
    pub trust_proxy: bool,
    /// `LATCHKEY_BOOTSTRAP_PASSWORD`: the first admin's password instead of a random one.
    pub bootstrap_password: Option<SecretString>,
    /// How many password hashes may run at once.
    pub hash_slots: usize,
    /// The `/metrics` listener, if any.
    pub metrics_bind: Option<SocketAddr>,
    pub audit_retention: Duration,
    /// `--access-rules`, read and checked at start (a bad file: exit 2).
    pub access_rules: Option<Arc<AccessRules>>,
    /// Test only: see `ServeArgs::test_max_db_pages`.
    pub test_max_db_pages: Option<u32>,
    /// Test hook, never set from flags or the environment: a refresh whose
    /// `User-Agent` is exactly this panics inside the session writer, so a
    /// test can prove the writer outlives a panicking job.
    #[cfg(feature = "test-hooks")]
    pub panic_on_user_agent: Option<String>,
}

impl Config {
    /// Validates the flags; `inline_secret` and `bootstrap_password` are the
    /// env-only settings, passed in so tests need not touch the environment.
    pub fn from_args(
        args: ServeArgs,
        db: impl Into<Database>,
        inline_secret: Option<String>,
        bootstrap_password: Option<String>,
    ) -> Result<Config, ConfigError> {
        check_limits(&args)?;
        let bind = address("--bind", &args.bind, "127.0.0.1:8080")?;
        let metrics_bind = match &args.metrics_bind {
            Some(text) => Some(address("--metrics-bind", text, "127.0.0.1:9090")?),
            None => None,
        };
        let cors_origins = args
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| origin("--cors-origin", o))
            .collect::<Result<Vec<_>, _>>()?;
        let public_url = match &args.public_url {
            Some(url) => Some(origin("--public-url", url)?),
            None => None,
        };
        let cookie_domain =
            portal::cookie_domain(args.cookie_domain.as_deref(), public_url.as_deref())?;
        portal::portal_cookie_name(&args.portal_cookie_name, &args.cookie_name)?;
        let webauthn_rp_id =
            passkeys::rp_id(args.webauthn_rp_id.as_deref(), public_url.as_deref())?;
        let db = db.into();
        let key = choose_key(&db, inline_secret, args.secret_file.clone())?;
        let access_rules = match &args.access_rules {
            Some(path) => Some(Arc::new(AccessRules::open(path)?)),
            None => None,
        };
        Ok(Config {
            bind,
            db,
            access_ttl: args.access_ttl,
            refresh_ttl: args.refresh_ttl,
            session_max_age: args.session_max_age,
            cookie_name: args.cookie_name,
            cookie_secure: args.cookie_secure,
            cookie_samesite: args.cookie_samesite,
            cookie_domain,
            portal_cookie_name: args.portal_cookie_name,
            webauthn_rp_id,
            cors_origins,
            mfa_issuer: args
                .mfa_issuer
                .filter(|i| !i.trim().is_empty())
                .unwrap_or_else(|| args.issuer.clone()),
            issuer: args.issuer,
            eddsa: args.jwt_alg.eq_ignore_ascii_case("EdDSA"),
            key_rotation: args.key_rotation,
            key,
            public_url,
            reuse_grace: args.reuse_grace,
            login_max_failures: args.login_max_failures,
            login_max_failures_per_address: args.login_max_failures_per_address,
            login_window: args.login_window,
            trust_proxy: args.trust_proxy,
            bootstrap_password: bootstrap_password.map(SecretString::from),
            hash_slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            metrics_bind,
            audit_retention: args.audit_retention,
            access_rules,
            test_max_db_pages: args.test_max_db_pages,
            #[cfg(feature = "test-hooks")]
            panic_on_user_agent: None,
        })
    }
}

/// The settings that are wrong whatever else is set.
fn check_limits(args: &ServeArgs) -> Result<(), ConfigError> {
    for (name, value) in [
        ("--access-ttl", args.access_ttl),
        ("--refresh-ttl", args.refresh_ttl),
        ("--session-max-age", args.session_max_age),
        ("--login-window", args.login_window),
        ("--audit-retention", args.audit_retention),
    ] {
        if value.is_zero() {
            return Err(ConfigError::ZeroDuration { flag: name });
        }
    }
    if !is_cookie_name(&args.cookie_name) {
        return Err(ConfigError::CookieName);
    }
    if args.login_max_failures == 0 || args.login_max_failures_per_address == 0 {
        return Err(ConfigError::LoginLimits);
    }
    if args.issuer.is_empty() {
        return Err(ConfigError::EmptyIssuer);
    }
    if args.cookie_samesite == SameSite::Lax && !args.cookie_secure {
        tracing::warn!("the refresh cookie is neither Secure nor SameSite=Strict");
    }
    Ok(())
}

fn address(
    flag: &'static str,
    text: &str,
    example: &'static str,
) -> Result<SocketAddr, ConfigError> {
    text.parse().map_err(|cause| ConfigError::Address {
        flag,
        text: text.into(),
        example,
        cause,
    })
}

fn origin(flag: &'static str, text: &str) -> Result<String, ConfigError> {
    normalize_origin(text).map_err(|cause| ConfigError::Origin { flag, cause })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn a_flag_given_twice_takes_its_last_value() {
        let args =
            ServeArgs::from_flags(["--login-max-failures", "1000", "--login-max-failures", "3"])
                .unwrap();
        assert_eq!(args.login_max_failures, 3);
    }

    #[test]
    fn debug_shows_every_setting_but_the_secrets() {
        let args = ServeArgs::from_flags(["--login-max-failures", "7"]).unwrap();
        let config = Config::from_args(
            args,
            PathBuf::from("latchkey.db"),
            Some("ab".repeat(16) + &"cd".repeat(16)),
            Some("hunter2-bootstrap".into()),
        )
        .unwrap();
        let shown = format!("{config:?}");
        for setting in [
            "login_max_failures: 7",
            "hash_slots",
            "login_window",
            "mfa_issuer",
        ] {
            assert!(shown.contains(setting), "{setting} in {shown}");
        }
        assert!(
            !shown.contains("hunter2") && !shown.contains("abab"),
            "{shown}"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let shown = format!(
            "{:?}",
            KeySource::Inline(b"super-secret-key-bytes".to_vec().into())
        );
        assert!(!shown.contains("super"));
        assert!(!shown.contains("115, 117, 112"), "nor its bytes");
    }
}
