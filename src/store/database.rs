//! Which database `--db` names, and opening it: a `postgres://` or `postgresql://` URL is
//! PostgreSQL (many instances), anything else a SQLite file. The URL may hold a password, so it is
//! never shown.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::postgres::{self, Agreement, PostgresStore};
use super::{OpenError, SqliteStore, Store, StoreResult, ThrottleStore};

#[derive(Clone)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

impl Database {
    pub fn from_arg(text: OsString) -> Database {
        match text.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.to_string().into())
            }
            _ => Database::Sqlite(PathBuf::from(text)),
        }
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }

    /// A file that belongs beside the database: beside a SQLite file, or
    /// beside the executable for PostgreSQL.
    pub fn beside(&self, name: &str) -> PathBuf {
        match self {
            Database::Sqlite(path) => path.with_file_name(name),
            Database::Postgres(_) => crate::config::default_db_path().with_file_name(name),
        }
    }

    /// Opens the database, applying its schema. `fingerprint` (of the
    /// signing secret) is checked against PostgreSQL's; SQLite keeps its key
    /// beside the file and needs none.
    pub fn open(
        &self,
        max_connections: u32,
        fingerprint: Option<&[u8]>,
    ) -> Result<Opened, OpenError> {
        match self {
            Database::Sqlite(path) => SqliteStore::open(path, max_connections).map(Opened::Sqlite),
            Database::Postgres(url) => PostgresStore::open(
                url.expose_secret(),
                max_connections,
                Agreement {
                    secret_fingerprint: fingerprint,
                },
            )
            .map(Opened::Postgres),
        }
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Database {
        Database::Sqlite(path)
    }
}

/// The path, or where the URL points without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => match url.expose_secret().parse::<::postgres::Config>() {
                Ok(config) => write!(f, "postgres://{}", postgres::describe(&config)),
                Err(_) => write!(f, "postgres://(an invalid URL)"),
            },
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An open store of either kind.
#[derive(Clone)]
pub enum Opened {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Opened {
    pub fn shared(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(store) => Arc::new(store.clone()),
            Opened::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// The login throttle's shared counters; `None` for SQLite, whose one
    /// instance counts in memory.
    pub fn shared_throttle(&self) -> Option<Arc<dyn ThrottleStore>> {
        match self {
            Opened::Sqlite(_) => None,
            Opened::Postgres(store) => Some(Arc::new(store.clone())),
        }
    }

    /// On shutdown: SQLite folds its WAL back into the file.
    pub fn close(&self) -> StoreResult<()> {
        match self {
            Opened::Sqlite(store) => store.checkpoint(),
            Opened::Postgres(_) => Ok(()),
        }
    }
}
