//! Storage behind small traits, one per role: handlers and rules never see SQL, so another database
//! can be added without touching them.

mod admin;
mod audit;
mod database;
mod failures;
mod groups;
mod issue_times;
mod mfa;
mod passkeys;
mod portal;
pub mod postgres;
mod sessions;
mod signing_keys;
mod sqlite;
mod throttle;
pub mod transfer;
mod users;

pub use admin::{AdminStore, NameCollision, UserChange, UserQuery, UserSort};
pub use audit::{AuditEvent, AuditQuery, AuditRecord, AuditStore, HourCount, HOUR_MS};
pub use database::{Database, Opened};
pub use failures::{BackupError, InspectError, OpenError, SchemaError};
pub use groups::{difference as groups_difference, GroupsChange};
pub use issue_times::IssueTimes;
pub use mfa::{MfaConfirm, MfaRecord, MfaStore, MfaTokenRecord};
pub use passkeys::{Ceremony, PasskeyChallenge, PasskeyRecord, PasskeyStore, PasskeyUse};
pub use portal::{PortalTouch, SessionKind};
pub use postgres::PostgresStore;
pub use sessions::{
    Advance, EndReason, EndSessions, Factors, NewSession, RefreshRecord, Rotation, Session,
    SessionJob, SessionStore, SessionTx, SessionWork, Standing, Swept,
};
pub use signing_keys::{KeyStore, StoredKey};
pub use sqlite::{maintenance, SqliteExport, SqliteStore};
pub use throttle::{KeyCount, MayCount, Reservation, Settled, ThrottleKey, ThrottleStore};
pub use users::{NewUser, User, UserStore};

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection or lock in time: the caller should retry.
    #[error("database busy: another process held its lock past the 5 s wait; try again")]
    Busy,
    /// SQLite's "database or disk is full": nothing was written; retry once
    /// there is space again.
    #[error("database or disk is full")]
    Full,
    #[error("{0}")]
    Conflict(String),
    /// Anything else is a bug or an outage: the cause is kept whole for the
    /// log (shared, so the error stays `Clone` for a batch's many replies).
    #[error("database error: {0}")]
    Other(#[source] Cause),
}

/// An error's cause, kept with its own chain of sources.
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

impl StoreError {
    pub fn other(
        cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> StoreError {
        StoreError::Other(std::sync::Arc::from(cause.into()))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether the database answers at all (for `/healthz`).
pub trait HealthStore {
    fn ping(&self) -> StoreResult<()>;
}

/// Every role at once: what the server and the CLI hold (`Arc<dyn Store>`).
pub trait Store:
    HealthStore
    + UserStore
    + SessionStore
    + AdminStore
    + AuditStore
    + KeyStore
    + MfaStore
    + PasskeyStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: HealthStore
        + UserStore
        + SessionStore
        + AdminStore
        + AuditStore
        + KeyStore
        + MfaStore
        + PasskeyStore
        + Send
        + Sync
{
}
