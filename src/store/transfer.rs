//! What `latchkey migrate` carries from one database to another: every table that holds state worth
//! keeping (not the throttle's counters, which expire within a window), parents before children,
//! each row as plain cells; each store reads or writes them in its own types.

use super::{Cause, StoreError};

/// The tables and columns copied, in an order that satisfies the foreign keys.
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "username",
            "username_key",
            "email",
            "full_name",
            "password_hash",
            "admin",
            "disabled",
            "created_at",
            "updated_at",
            "credentials_version",
        ],
    ),
    (
        "sessions",
        &[
            "id",
            "user_id",
            "generation",
            "created_at",
            "last_used_at",
            "idle_expires_at",
            "absolute_expires_at",
            "ended_at",
            "end_reason",
            "user_agent",
            "ip",
            "mfa",
            "issue_times",
            "issued_to",
            "kind",
            "portal_hash",
        ],
    ),
    (
        "refresh_ids",
        &["hash", "session_id", "generation", "issued_at", "issued_to"],
    ),
    (
        "audit_events",
        &[
            "id",
            "at",
            "event",
            "username",
            "actor",
            "address",
            "user_agent",
            "reason",
            "request_id",
        ],
    ),
    (
        "signing_keys",
        &[
            "kid",
            "public_key",
            "sealed_private",
            "created_at",
            "signs_from",
            "retired_at",
            "revoked_at",
        ],
    ),
    (
        "user_mfa",
        &[
            "user_id",
            "secret",
            "pending_secret",
            "last_step",
            "confirmed_at",
            "updated_at",
        ],
    ),
    ("user_groups", &["user_id", "name"]),
    ("passkey_users", &["user_id", "handle"]),
    (
        "passkeys",
        &[
            "id",
            "user_id",
            "credential_id",
            "credential",
            "counter",
            "name",
            "created_at",
            "last_used_at",
        ],
    ),
    ("mfa_recovery_codes", &["user_id", "hash", "used_at"]),
    (
        "mfa_tokens",
        &[
            "hash",
            "user_id",
            "expires_at",
            "failures",
            "credentials_version",
        ],
    ),
];

/// One value as SQLite stores it; the target converts it to its column's
/// type (an integer 0/1 to a boolean, say).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Where rows come from: one consistent snapshot of the source.
pub trait RowSource {
    /// The rows `table` holds.
    fn count(&mut self, table: &str) -> Result<u64, TransferError>;
    /// Hands each row of `table` (its `columns`, in order) to `each`.
    fn rows(
        &mut self,
        table: &str,
        columns: &[&str],
        each: &mut dyn FnMut(Vec<Cell>) -> Result<(), TransferError>,
    ) -> Result<(), TransferError>;
}

/// Why a copy stopped (nothing of it was committed), in the words `migrate` prints.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The source (a file, or one of its tables) could not be read.
    #[error("cannot read {what}: {source}")]
    Read {
        what: String,
        #[source]
        source: Cause,
    },
    #[error("cannot count {table}: {source}")]
    Count {
        table: String,
        #[source]
        source: Cause,
    },
    /// A value no store of latchkey writes: a file changed by hand.
    #[error("{table} holds {what}")]
    Foreign { table: String, what: &'static str },
    /// A cell the target column cannot take.
    #[error("{table}: {problem}")]
    Cell { table: String, problem: String },
    #[error("--to is not a valid PostgreSQL URL: {0}")]
    TargetUrl(#[source] Cause),
    #[error("cannot connect to PostgreSQL at {at}: {source}")]
    Connect {
        at: String,
        #[source]
        source: Cause,
    },
    /// The target's TLS setup or schema (their own messages, as `serve` prints them).
    #[error(transparent)]
    Setup(#[from] super::OpenError),
    #[error("PostgreSQL: {0}")]
    Target(#[source] StoreError),
    #[error("the target database is not empty ({table} has {rows} rows): migrate copies only into an empty PostgreSQL database; create a new one and point --to at it")]
    NotEmpty { table: String, rows: u64 },
    #[error("{table}: {found} rows arrived of the source's {expected}; nothing was committed")]
    Lost {
        table: String,
        found: u64,
        expected: u64,
    },
}

impl TransferError {
    pub(crate) fn cause(error: impl std::error::Error + Send + Sync + 'static) -> Cause {
        std::sync::Arc::new(error)
    }
}

/// What was copied: a table and its rows.
pub type Copied = Vec<(&'static str, u64)>;
