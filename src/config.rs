//! Settings from flags and `LATCHKEY_*` variables, validated once at start; nothing else reads the environment.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use clap::{Args, ValueEnum};

use crate::duration;

/// `latchkey serve` flags; each has a `LATCHKEY_*` twin.
#[derive(Args, Clone, Debug)]
pub struct ServeArgs {
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
    /// How long audit events are kept before the sweeper deletes them.
    #[arg(long, env = "LATCHKEY_AUDIT_RETENTION", default_value = "90d", value_parser = duration::parse)]
    pub audit_retention: Duration,
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

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
}

/// Where the signing key comes from.
#[derive(Clone)]
pub enum KeySource {
    /// `LATCHKEY_SECRET`: the key itself; no file is read or written.
    Inline(Vec<u8>),
    /// A file holding the key as hex, created on first start.
    File(PathBuf),
}

/// The validated settings of `latchkey serve`.
#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub db_path: PathBuf,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub session_max_age: Duration,
    pub cookie_name: String,
    pub cookie_secure: bool,
    pub cookie_samesite: SameSite,
    pub cors_origins: Vec<String>,
    pub issuer: String,
    pub key: KeySource,
    pub public_url: Option<String>,
    pub reuse_grace: Duration,
    pub login_max_failures: u32,
    pub login_max_failures_per_address: u32,
    pub login_window: Duration,
    pub trust_proxy: bool,
    /// `LATCHKEY_BOOTSTRAP_PASSWORD`: the first admin's password instead of a random one.
    pub bootstrap_password: Option<String>,
    /// How many password hashes may run at once.
    pub hash_slots: usize,
    /// The `/metrics` listener, if any.
    pub metrics_bind: Option<SocketAddr>,
    pub audit_retention: Duration,
}

impl Config {
    /// Validates the flags; `inline_secret` and `bootstrap_password` are the
    /// env-only settings, passed in so tests need not touch the environment.
    pub fn from_args(
        args: ServeArgs,
        db_path: PathBuf,
        inline_secret: Option<String>,
        bootstrap_password: Option<String>,
    ) -> Result<Config, String> {
        let bind = args.bind.parse().map_err(|_| {
            format!(
                "--bind `{}` is not an address like 127.0.0.1:8080",
                args.bind
            )
        })?;
        for (name, value) in [
            ("--access-ttl", args.access_ttl),
            ("--refresh-ttl", args.refresh_ttl),
            ("--session-max-age", args.session_max_age),
            ("--login-window", args.login_window),
        ] {
            if value.is_zero() {
                return Err(format!("{name} must be longer than 0s"));
            }
        }
        if !is_cookie_name(&args.cookie_name) {
            return Err("--cookie-name must be letters, digits, `_` or `-`".into());
        }
        if args.cookie_samesite == SameSite::Lax && !args.cookie_secure {
            tracing::warn!("the refresh cookie is neither Secure nor SameSite=Strict");
        }
        if args.login_max_failures == 0 || args.login_max_failures_per_address == 0 {
            return Err(
                "--login-max-failures and --login-max-failures-per-address must be at least 1"
                    .into(),
            );
        }
        let cors_origins = args
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| normalize_origin(o).map_err(|e| format!("--cors-origin {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let public_url = match &args.public_url {
            Some(url) => Some(normalize_origin(url).map_err(|e| format!("--public-url {e}"))?),
            None => None,
        };
        let key = match inline_secret {
            Some(text) => KeySource::Inline(decode_secret(&text)?),
            None => KeySource::File(
                args.secret_file
                    .unwrap_or_else(|| sibling(&db_path, "latchkey.secret")),
            ),
        };
        if args.issuer.is_empty() {
            return Err("--issuer must not be empty".into());
        }
        let metrics_bind = match &args.metrics_bind {
            Some(text) => Some(text.parse().map_err(|_| {
                format!("--metrics-bind `{text}` is not an address like 127.0.0.1:9090")
            })?),
            None => None,
        };
        if args.audit_retention.is_zero() {
            return Err("--audit-retention must be longer than 0s".into());
        }
        Ok(Config {
            bind,
            db_path,
            access_ttl: args.access_ttl,
            refresh_ttl: args.refresh_ttl,
            session_max_age: args.session_max_age,
            cookie_name: args.cookie_name,
            cookie_secure: args.cookie_secure,
            cookie_samesite: args.cookie_samesite,
            cors_origins,
            issuer: args.issuer,
            key,
            public_url,
            reuse_grace: args.reuse_grace,
            login_max_failures: args.login_max_failures,
            login_max_failures_per_address: args.login_max_failures_per_address,
            login_window: args.login_window,
            trust_proxy: args.trust_proxy,
            bootstrap_password,
            hash_slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            metrics_bind,
            audit_retention: args.audit_retention,
        })
    }
}

/// The default database: `latchkey.db` in the directory of the executable.
pub fn default_db_path() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("latchkey.db")))
        .unwrap_or_else(|| PathBuf::from("latchkey.db"))
}

fn sibling(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `https://host[:port]` with no path, lower-cased, no trailing slash.
fn normalize_origin(text: &str) -> Result<String, String> {
    let trimmed = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("`{text}` must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "`{text}` must be scheme://host[:port] with no path"
        ));
    }
    Ok(trimmed)
}

/// Hex when every character is a hex digit, else base64; at least 32 bytes.
fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let bytes = if !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|_| "LATCHKEY_SECRET is odd-length hex".to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "LATCHKEY_SECRET is neither hex nor base64".to_string())?
    };
    if bytes.len() < 32 {
        return Err(format!(
            "LATCHKEY_SECRET decodes to {} bytes; it needs at least 32 (try `openssl rand -hex 32`)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Inline(_) => f.write_str("Inline(<redacted>)"),
            KeySource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("db_path", &self.db_path)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("session_max_age", &self.session_max_age)
            .field("cookie_name", &self.cookie_name)
            .field("cookie_secure", &self.cookie_secure)
            .field("cookie_samesite", &self.cookie_samesite)
            .field("cors_origins", &self.cors_origins)
            .field("issuer", &self.issuer)
            .field("key", &self.key)
            .field("public_url", &self.public_url)
            .field("reuse_grace", &self.reuse_grace)
            .field("trust_proxy", &self.trust_proxy)
            .field("metrics_bind", &self.metrics_bind)
            .field("audit_retention", &self.audit_retention)
            .field(
                "bootstrap_password",
                &self.bootstrap_password.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_as_hex_or_base64() {
        assert_eq!(decode_secret(&"ab".repeat(32)).unwrap(), vec![0xab; 32]);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 40]);
        assert_eq!(decode_secret(&b64).unwrap(), vec![7; 40]);
        assert!(decode_secret(&"ab".repeat(31)).is_err());
        assert!(decode_secret("not a key!").is_err());
    }

    #[test]
    fn origins_are_normalized_and_checked() {
        assert_eq!(
            normalize_origin("https://Admin.Example.com/").unwrap(),
            "https://admin.example.com"
        );
        assert!(normalize_origin("admin.example.com").is_err());
        assert!(normalize_origin("https://a.example/path").is_err());
    }

    #[test]
    fn a_flag_given_twice_takes_its_last_value() {
        let args =
            ServeArgs::from_flags(["--login-max-failures", "1000", "--login-max-failures", "3"])
                .unwrap();
        assert_eq!(args.login_max_failures, 3);
    }

    #[test]
    fn debug_never_shows_the_key() {
        let shown = format!(
            "{:?}",
            KeySource::Inline(b"super-secret-key-bytes".to_vec())
        );
        assert!(!shown.contains("super"));
    }
}
