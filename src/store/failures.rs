//! Why a database could not be opened, inspected or copied: each text is the one line the CLI and
//! startup print after `error: `, so it names the file or server and says what to fix; the error
//! that caused it stays its source.

use std::io;
use std::path::PathBuf;

use super::maintenance::KNOWN_SCHEMA_VERSION;
use super::postgres::{OTHER_SECRET, SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION};
use super::StoreError;

/// Opening a store: its file or server, its schema, its writer threads.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("database directory {} does not exist; create it or pass --db", .0.display())]
    NoDirectory(PathBuf),
    #[error("cannot create database {}: {source}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The first connection, the one that checks the schema.
    #[error("cannot open database {}: {source}; check the path and its permissions", .path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The writer's and the checkpointer's own connections.
    #[error("cannot open database {}: {source}", .path.display())]
    Connect {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot open database {}: {source}", .path.display())]
    Pool {
        path: PathBuf,
        #[source]
        source: r2d2::Error,
    },
    #[error("database {}: {source}", .path.display())]
    Schema {
        path: PathBuf,
        #[source]
        source: SchemaError,
    },
    #[error("cannot configure the database writer: {0}")]
    ConfigureWriter(#[source] rusqlite::Error),
    #[error("cannot configure the checkpointer: {0}")]
    ConfigureCheckpointer(#[source] rusqlite::Error),
    #[error("cannot start the database writer: {0}")]
    StartWriter(#[source] io::Error),
    #[error("cannot start the checkpointer: {0}")]
    StartCheckpointer(#[source] io::Error),
    #[error("--db is not a valid PostgreSQL URL: {0}")]
    InvalidUrl(#[source] postgres::Error),
    #[error("TLS to PostgreSQL: {0}")]
    Tls(#[source] rustls::Error),
    /// `at` is where the URL points, without its password.
    #[error("cannot connect to PostgreSQL at {at}: {source}")]
    Unreachable {
        at: String,
        #[source]
        source: postgres::Error,
    },
    #[error("cannot connect to PostgreSQL at {at}: {source}")]
    PostgresPool {
        at: String,
        #[source]
        source: r2d2::Error,
    },
    #[error("PostgreSQL schema: {0}")]
    PostgresSchema(#[source] StoreError),
    #[error("the database was written by a newer latchkey (PostgreSQL schema version {0}; this binary knows {POSTGRES_SCHEMA_VERSION}): upgrade latchkey")]
    PostgresTooNew(i32),
    /// A setting, not a failure: the caller exits 2 on it.
    #[error("{OTHER_SECRET}")]
    OtherSecret,
}

/// A SQLite file's schema, after `database PATH: ` (`OpenError::Schema`).
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A lock held past the wait stays `Store(Busy)`: the file may be fine.
    #[error("is not a SQLite database ({0})")]
    NotSqlite(#[source] StoreError),
    #[error("was written by a newer latchkey (schema version {0}; this binary knows {KNOWN_SCHEMA_VERSION}): upgrade latchkey")]
    TooNew(i64),
}

/// A look at a database that changes nothing (`check-config`).
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// PostgreSQL's URL, TLS or connection.
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot open database {}: {source}", .path.display())]
    Unopened {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{} is not a SQLite database ({source})", .path.display())]
    NotSqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{} was written by a newer latchkey (schema version {found}; this binary knows {KNOWN_SCHEMA_VERSION})", .path.display())]
    TooNew { path: PathBuf, found: i64 },
    #[error("{}: {source}", .path.display())]
    Unread {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{} is damaged: {check}", .path.display())]
    Damaged { path: PathBuf, check: String },
    #[error("PostgreSQL at {at}: {source}")]
    Postgres {
        at: String,
        #[source]
        source: StoreError,
    },
    #[error("{at} was written by a newer latchkey (PostgreSQL schema version {found}; this binary knows {POSTGRES_SCHEMA_VERSION})")]
    PostgresTooNew { at: String, found: i32 },
}

/// An online copy of a SQLite file (`backup`); `path` is the source's for
/// the first two, the copy's for the rest.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot open database {}: {source}", .path.display())]
    Unopened {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot read {}: {source}", .path.display())]
    Unread {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create {}: {source}", .path.display())]
    CreateFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot create {}: {source}", .path.display())]
    CreateDatabase {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Copy(#[source] rusqlite::Error),
    /// Making the copy one self-contained file, or closing it.
    #[error("{}: {source}", .path.display())]
    Finish {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot move the copy into place: {0}")]
    Move(#[source] io::Error),
}
