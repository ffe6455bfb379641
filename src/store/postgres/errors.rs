//! PostgreSQL's errors in the store's terms: a lock past the wait, a deadlock or a lost connection
//! is `Busy` (the caller may retry), a full disk `Full`, a duplicate key `Conflict`; anything else
//! keeps the server's message for the log, as does a column read as the wrong type.

use postgres::error::SqlState;

use crate::store::StoreError;

impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> StoreError {
        if error.is_closed() {
            return StoreError::Busy;
        }
        let Some(db) = error.as_db_error() else {
            return StoreError::other(error);
        };
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            StoreError::Conflict("already exists".into())
        } else if [
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(code)
        {
            StoreError::Busy
        } else if *code == SqlState::DISK_FULL {
            StoreError::Full
        } else {
            // The server's own message says what: postgres::Error shows only "db error".
            let message = format!("{}: {}", db.severity(), db.message());
            StoreError::other(message)
        }
    }
}

/// A column whose value is not of the type the code reads it as: named, so
/// the log says which, and answered as any other store error.
#[derive(Debug, thiserror::Error)]
#[error("cannot read column {column}: {source}")]
pub(super) struct UnreadColumn {
    pub(super) column: String,
    #[source]
    pub(super) source: postgres::Error,
}
