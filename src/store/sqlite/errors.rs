//! SQLite's errors in the store's terms: a lock past the wait is `Busy`, a full disk `Full`, a
//! duplicate key `Conflict`; anything else keeps SQLite's text for the log.

use rusqlite::ErrorCode;

use crate::store::StoreError;

/// Only a duplicate key is the caller's conflict (409); any other broken
/// constraint (NOT NULL, CHECK) is a bug and stays an error with its text.
impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        let duplicate = matches!(
            error.sqlite_error().map(|e| e.extended_code),
            Some(
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            )
        );
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ConstraintViolation) if duplicate => {
                StoreError::Conflict("already exists".into())
            }
            _ => StoreError::other(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(sql: &str) -> StoreError {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL CHECK (n <> 'bad'))")
            .unwrap();
        conn.execute_batch("INSERT INTO t VALUES (1, 'a', 'x')")
            .unwrap();
        conn.execute_batch(sql).unwrap_err().into()
    }

    #[test]
    fn a_duplicate_key_is_a_conflict_and_other_broken_constraints_are_errors() {
        let conflict = |e| matches!(e, StoreError::Conflict(_));
        assert!(conflict(error_of("INSERT INTO t VALUES (2, 'a', 'x')")));
        assert!(conflict(error_of("INSERT INTO t VALUES (1, 'b', 'x')")));
        assert!(
            matches!(error_of("INSERT INTO t VALUES (3, 'c', NULL)"), StoreError::Other(m) if m.to_string().contains("NOT NULL"))
        );
        assert!(
            matches!(error_of("INSERT INTO t VALUES (4, 'd', 'bad')"), StoreError::Other(m) if m.to_string().contains("CHECK"))
        );
    }
}
