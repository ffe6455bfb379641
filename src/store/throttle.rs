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

/// One key's attempts within the window: what the throttle's rule judges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyCount {
    pub failures: usize,
    pub in_flight: usize,
    /// How long ago the oldest failure still in the window was (ms).
    pub oldest_failure_age_ms: Option<i64>,
}

/// What one more attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Counted, in flight: the rows to settle, one per key.
    Counted(Vec<i64>),
    /// Not counted: the first key the rule would not count past, and its count.
    Stopped { key: ThrottleKey, count: KeyCount },
}

/// The throttle's rule, asked by the store for each key: may one more be counted?
pub type MayCount<'a> = &'a (dyn Fn(&KeyCount, u32) -> bool + Sync);

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
    /// Counts an attempt for every key unless `may_count` says no for one,
    /// atomically across instances. `times` is (now, window, settles_by):
    /// failures at least `window` old no longer count, nor do attempts in
    /// flight past their `settles_by` (an instance died).
    fn reserve_attempt(
        &self,
        keys: &[ThrottleKey],
        times: (i64, i64, i64),
        may_count: MayCount,
    ) -> StoreResult<Reservation>;
    fn settle_attempt(
        &self,
        ids: &[i64],
        outcome: Settled,
        user_key: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes failures at least `window` old and attempts in flight past their time.
    fn forget_attempts(&self, now: i64, window: i64) -> StoreResult<usize>;
}
