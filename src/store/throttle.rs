//! What the login throttle asks of a database that many instances share: counted attempts per key
//! (a hashed username or an address), in flight until their verdict, so the limits hold across
//! instances exactly as they do within one. SQLite serves one instance, whose throttle counts in
//! memory, so only the PostgreSQL store has this role.

use super::StoreResult;

/// One key an attempt counts for, and its limit within the window.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ThrottleKey {
    pub key: Vec<u8>,
    pub max: u32,
}

/// What the counters said about one more attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Counted, in flight: the rows to settle, one per key.
    Counted(Vec<i64>),
    /// Failures alone fill a limit; the oldest of them leaves the window at this time (ms).
    Refused { frees_at: i64 },
    /// Only attempts in flight fill a limit: ask again once they settle.
    Wait,
}

/// How a counted attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    Failed,
    /// Clears the failures of `user_key` (not the address's).
    Succeeded,
    /// No verdict (busy, an error): the attempt counts for nothing.
    Void,
}

pub trait ThrottleStore: Send + Sync {
    /// Counts an attempt for every key unless one is at its limit, atomically
    /// across instances. Failures older than `now - window` no longer count,
    /// nor do attempts in flight past their `settles_by` (an instance died).
    fn reserve_attempt(
        &self,
        keys: &[ThrottleKey],
        now: i64,
        window: i64,
        settles_by: i64,
    ) -> StoreResult<Reservation>;
    fn settle_attempt(
        &self,
        ids: &[i64],
        outcome: Settled,
        user_key: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes failures older than `before` and attempts in flight past their time.
    fn forget_attempts(&self, before: i64, now: i64) -> StoreResult<usize>;
}
