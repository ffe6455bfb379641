//! Why an administration command failed or was refused, in the one line `main` prints after
//! `error: `: a refusal before anything is opened exits 2, a failure 1.

use std::path::PathBuf;

use crate::auth::password::HashError;
use crate::config::KeySourceError;
use crate::domain::{PasswordError, UsernameError};
use crate::store::{BackupError, Database, OpenError, StoreError};

/// A command refused before anything is opened (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("backup copies a SQLite file; back up a PostgreSQL database with pg_dump (or your provider's snapshots)")]
    BackupOfPostgres,
    #[error("no database at {}; point to it with --db PATH or LATCHKEY_DB", .0.display())]
    NoDatabase(PathBuf),
}

/// A command that ran and failed (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Opening a database (the store says why).
    #[error(transparent)]
    Database(#[from] OpenError),
    /// Copying a SQLite file (`backup`).
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// Copying a SQLite database into PostgreSQL (`migrate`).
    #[error(transparent)]
    Transfer(#[from] crate::store::transfer::TransferError),
    /// Reading the signing key (the key file says why).
    #[error(transparent)]
    Key(#[from] crate::secret::SecretError),
    #[error(transparent)]
    KeySource(#[from] KeySourceError),
    #[error("no user named {0}")]
    NoUser(String),
    #[error("{user} has no passkey {id}; list them with `latchkey user passkeys {user}`")]
    NoPasskey { user: String, id: String },
    #[error("user {0} already exists")]
    UserExists(String),
    #[error(transparent)]
    Username(#[from] UsernameError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("--password-hash must be an argon2 or bcrypt PHC string")]
    UnsupportedHash,
    #[error("the passwords differ")]
    PasswordsDiffer,
    #[error("no password given: pass --password-stdin (or --password-hash) or run on a terminal")]
    NoPassword,
    #[error(transparent)]
    ReadPassword(std::io::Error),
    /// A key the ring will not revoke (the ring says why).
    #[error(transparent)]
    Revoke(#[from] crate::auth::signing::keyring::RevokeError),
    #[error("no database at {}; pass --db", .0.display())]
    NoBackupSource(PathBuf),
    #[error("{} exists; pass --force to replace it", .0.display())]
    BackupExists(PathBuf),
    #[error("no SQLite database at {0}")]
    NoMigrateSource(Database),
    #[error("no signing secret at {}: migrate needs the secret the SQLite instance used (LATCHKEY_SECRET or LATCHKEY_SECRET_FILE); for a database that never served, give the secret the PostgreSQL instances will use", .0.display())]
    NoMigrateSecret(PathBuf),
    #[error("serve, check-config, access, backup and migrate are started elsewhere")]
    StartedElsewhere,
}
