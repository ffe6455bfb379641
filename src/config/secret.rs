//! Where the signing secret comes from: `LATCHKEY_SECRET` itself, a named file, or (SQLite only)
//! the file beside the database. With PostgreSQL every instance must share one, so none is
//! generated.

use std::path::PathBuf;

use crate::secret::{check_private, KeySource};

use super::values::{decode_secret, sibling, SecretError};
use crate::store::Database;

/// Why there is no signing secret to use, and how to give one.
#[derive(Debug, thiserror::Error)]
pub enum KeySourceError {
    #[error(transparent)]
    Inline(#[from] SecretError),
    #[error("with PostgreSQL every instance needs the same signing secret: set LATCHKEY_SECRET or --secret-file")]
    PostgresNeedsOne,
    #[error("secret file {} does not exist; with PostgreSQL it is never generated (instances would make different ones): create it once with `openssl rand -hex 32 > FILE; chmod 600 FILE` and give every instance the same file", .0.display())]
    NoFileForPostgres(PathBuf),
    /// The file is readable or replaceable by others (the reason, with its
    /// fix, comes from `secret::check_private`).
    #[error(transparent)]
    NotPrivate(#[from] crate::secret::SecretError),
}

/// Where the signing secret comes from, for the CLI (`LATCHKEY_SECRET`, else
/// `LATCHKEY_SECRET_FILE`, else the file beside a SQLite database).
pub fn key_source(db: &Database) -> Result<KeySource, KeySourceError> {
    let inline = std::env::var("LATCHKEY_SECRET")
        .ok()
        .filter(|s| !s.is_empty());
    let file = std::env::var_os("LATCHKEY_SECRET_FILE")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from);
    choose_key(db, inline, file)
}

/// The key itself, a named file, or (SQLite only) the file beside the
/// database. With PostgreSQL every instance needs the same key, so none is
/// ever generated: a named file must exist.
pub(super) fn choose_key(
    db: &Database,
    inline: Option<String>,
    file: Option<PathBuf>,
) -> Result<KeySource, KeySourceError> {
    if let Some(text) = inline {
        return Ok(KeySource::Inline(decode_secret(&text)?.into()));
    }
    let path = match (file, db.sqlite_path()) {
        (Some(path), _) => path,
        (None, Some(db_path)) => sibling(db_path, "latchkey.secret"),
        (None, None) => return Err(KeySourceError::PostgresNeedsOne),
    };
    if path.exists() {
        check_private(&path)?;
    } else if db.is_postgres() {
        return Err(KeySourceError::NoFileForPostgres(path));
    }
    Ok(KeySource::File(path))
}
