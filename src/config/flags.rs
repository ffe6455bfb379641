//! The flags of `latchkey serve` (and `check-config`), each with its `LATCHKEY_*` twin;
//! `Config::from_args` turns them into checked settings.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::SameSite;
use crate::duration::{self, DurationError};

/// `latchkey serve` flags; each has a `LATCHKEY_*` twin.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
    /// A TOML file of access rules for forward auth (see docs/deploy.md); re-read on SIGHUP.
    #[arg(long, env = "LATCHKEY_ACCESS_RULES")]
    pub access_rules: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "LATCHKEY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Lifetime of an access token (JWT).
    #[arg(long, env = "LATCHKEY_ACCESS_TTL", default_value = "5m", value_parser = duration::parse)]
    pub access_ttl: Duration,
    /// Idle limit of a session: each refresh extends it to now + this.
    #[arg(long, env = "LATCHKEY_REFRESH_TTL", default_value = "7d", value_parser = duration::parse)]
    pub refresh_ttl: Duration,
    /// Absolute limit of a session, counted from the login that started it.
    #[arg(long, env = "LATCHKEY_SESSION_MAX_AGE", default_value = "30d", value_parser = duration::parse)]
    pub session_max_age: Duration,
    /// Name of the refresh cookie.
    #[arg(long, env = "LATCHKEY_COOKIE_NAME", default_value = "refresh_token")]
    pub cookie_name: String,
    /// Domain of the portal cookie, e.g. example.com to reach every subdomain (default: host-only).
    #[arg(long, env = "LATCHKEY_COOKIE_DOMAIN")]
    pub cookie_domain: Option<String>,
    /// Name of the sign-in portal's cookie.
    #[arg(
        long,
        env = "LATCHKEY_PORTAL_COOKIE_NAME",
        default_value = "latchkey_portal"
    )]
    pub portal_cookie_name: String,
    /// The passkeys' relying party id: a domain the pages' host is, or is within
    /// [default: the host of --public-url, else localhost].
    #[arg(long, env = "LATCHKEY_WEBAUTHN_RP_ID")]
    pub webauthn_rp_id: Option<String>,
    /// Mark the cookie Secure (browsers accept Secure cookies on http://localhost).
    #[arg(long, env = "LATCHKEY_COOKIE_SECURE", default_value_t = true, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
    /// SameSite attribute of the cookie.
    #[arg(
        long,
        env = "LATCHKEY_COOKIE_SAMESITE",
        value_enum,
        default_value = "strict"
    )]
    pub cookie_samesite: SameSite,
    /// An origin allowed to call with credentials (repeatable), e.g. https://admin.example.com.
    #[arg(
        long = "cors-origin",
        env = "LATCHKEY_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// `iss` claim of the access tokens.
    #[arg(long, env = "LATCHKEY_ISSUER", default_value = "latchkey")]
    pub issuer: String,
    /// The name authenticator apps show for latchkey's one-time codes [default: the --issuer value].
    #[arg(long, env = "LATCHKEY_MFA_ISSUER")]
    pub mfa_issuer: Option<String>,
    /// File holding the signing key (default: latchkey.secret beside the database).
    #[arg(long, env = "LATCHKEY_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,
    /// Public origin behind a TLS proxy, e.g. https://auth.example.com.
    #[arg(long, env = "LATCHKEY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How long an already-rotated refresh id still gets the session's current id.
    #[arg(long, env = "LATCHKEY_REUSE_GRACE", default_value = "10s", value_parser = duration::parse)]
    pub reuse_grace: Duration,
    /// Failed logins per username within the window before 429.
    #[arg(long, env = "LATCHKEY_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,
    /// Failed logins per client address within the window before 429.
    #[arg(
        long,
        env = "LATCHKEY_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 20
    )]
    pub login_max_failures_per_address: u32,
    /// Sliding window for counting failed logins.
    #[arg(long, env = "LATCHKEY_LOGIN_WINDOW", default_value = "5m", value_parser = duration::parse)]
    pub login_window: Duration,
    /// Take the client address from the last X-Forwarded-For hop.
    #[arg(long, env = "LATCHKEY_TRUST_PROXY", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub trust_proxy: bool,
    /// Address for a second listener serving only `/metrics` (Prometheus); off when unset. Keep it off the internet.
    #[arg(long, env = "LATCHKEY_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Access-token algorithm: HS256 (the secret) or EdDSA (Ed25519 keys published at /.well-known/jwks.json).
    #[arg(long, env = "LATCHKEY_JWT_ALG", default_value = "HS256", value_parser = ["HS256", "EdDSA"], ignore_case = true)]
    pub jwt_alg: String,
    /// Rotate the EdDSA signing key on this period (e.g. 30d); `off` never.
    #[arg(long, env = "LATCHKEY_KEY_ROTATION", default_value = "off", value_parser = rotation)]
    pub key_rotation: Duration,
    /// How long audit events are kept before the sweeper deletes them.
    #[arg(long, env = "LATCHKEY_AUDIT_RETENTION", default_value = "90d", value_parser = duration::parse)]
    pub audit_retention: Duration,
    /// TEST ONLY (hidden): caps the database at this many pages, so the test
    /// suite can make SQLite answer "database or disk is full" without root.
    #[arg(long, hide = true)]
    pub test_max_db_pages: Option<u32>,
}

/// A `--key-rotation` that is neither a duration nor `off`.
#[derive(Debug, thiserror::Error)]
#[error("{0}, or off")]
struct RotationError(#[source] DurationError);

/// `off` is zero: no rotation.
fn rotation(text: &str) -> Result<Duration, RotationError> {
    match text {
        "off" => Ok(Duration::ZERO),
        _ => duration::parse(text).map_err(RotationError),
    }
}

impl ServeArgs {
    /// Reads `serve` flags from a list, as the command line would (tests use this).
    /// A flag given twice takes its last value, so a test can override the
    /// harness's defaults.
    pub fn from_flags<'a>(
        flags: impl IntoIterator<Item = &'a str>,
    ) -> Result<ServeArgs, clap::Error> {
        #[derive(clap::Parser)]
        #[command(args_override_self = true)]
        struct Serve {
            #[command(flatten)]
            args: ServeArgs,
        }
        let argv = std::iter::once("serve").chain(flags);
        <Serve as clap::Parser>::try_parse_from(argv).map(|serve| serve.args)
    }
}
