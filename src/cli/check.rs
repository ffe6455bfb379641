//! `latchkey check-config`: the settings are already valid when this runs (bad ones exit 2 before
//! it); this opens the key and the database without changing either and prints a summary. Any
//! problem here is exit 1.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::duration;
use crate::secret::{self, KeySource};
use crate::store::postgres::{self, OTHER_SECRET};
use crate::store::{maintenance, Database, InspectError};
use secrecy::ExposeSecret;

/// A key or database problem found by the check (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Reading the signing key (the key file says why).
    #[error(transparent)]
    Key(#[from] crate::secret::SecretError),
    /// Inspecting the database (the store says why).
    #[error(transparent)]
    Database(#[from] InspectError),
    #[error("{OTHER_SECRET}")]
    OtherSecret,
    #[error("directory {} for {}: {cause}", .dir.display(), .path.display())]
    NoDirectory {
        dir: PathBuf,
        path: PathBuf,
        #[source]
        cause: std::io::Error,
    },
    #[error("{} cannot be created: {} is not a writable directory", .path.display(), .dir.display())]
    NotWritable { path: PathBuf, dir: PathBuf },
}

pub fn run(config: &Config) -> Result<(), CheckError> {
    let key = check_key(&config.key)?;
    let database = match &config.db {
        Database::Sqlite(path) => check_database(path)?,
        Database::Postgres(url) => {
            let key = secret::load_or_create(&config.key)?;
            let fingerprint = secret::fingerprint(&key);
            check_postgres(&config.db, url.expose_secret(), &fingerprint)?
        }
    };
    println!("settings: ok");
    println!("  bind            {}", config.bind);
    match config.metrics_bind {
        Some(bind) => println!("  metrics         http://{bind}/metrics"),
        None => println!("  metrics         off"),
    }
    println!(
        "  access ttl      {}   refresh ttl {}   session max age {}   reuse grace {}",
        duration::format(config.access_ttl),
        duration::format(config.refresh_ttl),
        duration::format(config.session_max_age),
        duration::format(config.reuse_grace)
    );
    println!(
        "  cookie          {} (Secure: {}, SameSite: {:?})",
        config.cookie_name, config.cookie_secure, config.cookie_samesite
    );
    println!(
        "  public url      {}",
        config
            .public_url
            .as_deref()
            .unwrap_or("(same origin as the Host header)")
    );
    println!("  trust proxy     {}", config.trust_proxy);
    println!("  cors origins    {}", list(&config.cors_origins));
    println!(
        "  audit retention {}",
        duration::format(config.audit_retention)
    );
    match &config.access_rules {
        Some(rules) => println!(
            "access rules: {} rules from {} (default {})",
            rules.current().rules.len(),
            rules.path().display(),
            rules.current().default_policy.as_str()
        ),
        None => println!("access rules: none (every signed-in, enabled user passes forward auth)"),
    }
    println!("key: {key}");
    println!("database: {database}");
    Ok(())
}

fn check_key(source: &KeySource) -> Result<String, CheckError> {
    match source {
        KeySource::Inline(_) => Ok("from LATCHKEY_SECRET".into()),
        KeySource::File(path) if path.exists() => {
            secret::load_or_create(source)?;
            Ok(format!("{} (ok)", path.display()))
        }
        KeySource::File(path) => {
            writable_dir(path)?;
            Ok(format!(
                "{} will be generated on first start",
                path.display()
            ))
        }
    }
}

fn check_database(path: &Path) -> Result<String, CheckError> {
    if !path.exists() {
        writable_dir(path)?;
        return Ok(format!("{} will be created on first start", path.display()));
    }
    let found = maintenance::inspect(path)?;
    let mut summary = format!(
        "{} (schema version {}; {} user(s), {} enabled admin(s), {} open session(s), {} audit event(s))",
        path.display(),
        found.schema_version,
        found.users,
        found.enabled_admins,
        found.sessions,
        found.audit_events
    );
    if found.schema_version < maintenance::KNOWN_SCHEMA_VERSION {
        summary.push_str("; serve will upgrade its schema");
    }
    Ok(summary)
}

/// The database's counts and schema, and whether it was set up with this
/// key: an instance with another one would refuse to start.
fn check_postgres(db: &Database, url: &str, fingerprint: &[u8]) -> Result<String, CheckError> {
    let postgres::Found {
        inspection: found,
        secret_fingerprint,
    } = postgres::inspect(url)?;
    if secret_fingerprint.is_some_and(|stored| stored != fingerprint) {
        return Err(CheckError::OtherSecret);
    }
    let mut summary = format!(
        "{db} (PostgreSQL schema version {}; {} user(s), {} enabled admin(s), {} open session(s), {} audit event(s))",
        found.schema_version, found.users, found.enabled_admins, found.sessions, found.audit_events
    );
    if found.schema_version < i64::from(postgres::SCHEMA_VERSION) {
        summary.push_str("; the first instance to start will create or upgrade its schema");
    }
    Ok(summary)
}

fn writable_dir(path: &Path) -> Result<(), CheckError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let meta = std::fs::metadata(dir).map_err(|cause| CheckError::NoDirectory {
        dir: dir.into(),
        path: path.into(),
        cause,
    })?;
    if !meta.is_dir() || meta.permissions().readonly() {
        return Err(CheckError::NotWritable {
            path: path.into(),
            dir: dir.into(),
        });
    }
    Ok(())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
