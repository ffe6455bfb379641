//! What the audit trail asks of the store: append security events, read a filtered page of them,
//! count them per hour, prune old ones. Events are plain text codes, so the store never interprets them.

use super::StoreResult;

/// One security event as written: who, from where, what happened and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// What happened, e.g. `login_ok` (see `audit::Kind`).
    pub event: String,
    /// The user the event is about (for a failed login, the name that was tried).
    pub username: Option<String>,
    /// Who did it, when not the user itself: an admin's name, or `cli`.
    pub actor: Option<String>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// A machine code saying why, e.g. `invalid_credentials`.
    pub reason: Option<String>,
    pub request_id: Option<String>,
}

/// A stored event and its id (ids grow with time).
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

/// One page of the audit trail, newest first unless `oldest_first`. Every filter that is set must match.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    /// Case-insensitive exact username.
    pub username: Option<String>,
    pub event: Option<String>,
    /// Only events at or after this time (ms).
    pub since: Option<i64>,
    pub oldest_first: bool,
    pub offset: u64,
    /// At most this many; `None` means all that remain.
    pub limit: Option<u64>,
}

/// How many events of one kind fell in one clock hour (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourCount {
    /// The hour's start, in milliseconds since the Unix epoch.
    pub hour: i64,
    pub event: String,
    pub count: u64,
}

/// One hour in milliseconds: the width of `count_audit_by_hour`'s buckets.
pub const HOUR_MS: i64 = 3_600_000;

/// The audit trail's storage.
pub trait AuditStore {
    /// Appends security events in one transaction.
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// One page of the audit trail and how many events match in all.
    fn query_audit(&self, query: &AuditQuery) -> StoreResult<(Vec<AuditRecord>, u64)>;
    /// Events at or after `since`, counted per clock hour and kind by the database (a chart reads
    /// a week of them without paging events); hours without events are left out.
    fn count_audit_by_hour(&self, since: i64) -> StoreResult<Vec<HourCount>>;
    /// Deletes up to `batch` events from before `before`; returns how many.
    fn prune_audit(&self, before: i64, batch: usize) -> StoreResult<usize>;
}
