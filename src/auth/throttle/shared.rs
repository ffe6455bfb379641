//! The throttle over a database that many instances share: the counting happens there, in one
//! transaction per attempt (see `ThrottleStore`), with the same limits and the same in-flight rule
//! as in memory; verdicts are written from a blocking thread, and an attempt that finds only
//! attempts in flight at a limit looks again every `POLL`.

use std::sync::Arc;
use std::time::Duration;

use super::verdict::{judge, Verdict};
use super::{keys_of, Attempt, Key, LoginThrottle};
use crate::error::ApiError;
use crate::store::{KeyCount, Reservation, Settled, StoreResult, ThrottleKey, ThrottleStore};
use crate::{blocking, clock};

/// How often an attempt waiting on other instances' verdicts looks again.
pub(super) const POLL: Duration = Duration::from_millis(20);
/// An attempt in flight whose instance died stops counting after this:
/// far longer than any hash, which bounds every attempt.
const IN_FLIGHT_FOR: Duration = Duration::from_secs(60);

impl LoginThrottle {
    pub(super) async fn try_reserve_shared(
        &self,
        store: Arc<dyn ThrottleStore>,
        name: Option<&str>,
        address: &str,
    ) -> Result<Result<Attempt<'_>, Verdict>, ApiError> {
        let keys = keys_of(name, address);
        let counted: Vec<ThrottleKey> = keys
            .iter()
            .map(|key| ThrottleKey {
                key: key.bytes(),
                max: self.max_for(key) as u32,
            })
            .collect();
        let window = i64::from(self.window) * 10;
        let reserved = blocking::run(move || {
            let now = clock::now_ms();
            let settles_by = now + clock::ms(IN_FLIGHT_FOR);
            let may_count =
                |count: &KeyCount, max: u32| judge(count, max as usize, window) == Verdict::Counted;
            Ok(store.reserve_attempt(&counted, (now, window, settles_by), &may_count)?)
        })
        .await?;
        Ok(match reserved {
            Reservation::Counted(rows) => Ok(Attempt::counted_in(self, keys, rows)),
            Reservation::Stopped { key, count } => Err(judge(&count, key.max as usize, window)),
        })
    }

    /// Writes a verdict without holding up the answer: until it lands, the
    /// attempt still counts as in flight, so no limit is passed meanwhile.
    pub(super) fn settle_shared(&self, keys: &[Key], rows: Vec<i64>, outcome: Settled) {
        let Some(store) = self.shared.clone() else {
            return;
        };
        let user_key = keys
            .iter()
            .find(|key| matches!(key, Key::User(_)))
            .map(Key::bytes);
        let write = move || {
            let now = clock::now_ms();
            if let Err(e) = store.settle_attempt(&rows, outcome, user_key.as_deref(), now) {
                tracing::warn!(error = %e, "could not record a login attempt's verdict");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(write)),
            Err(_) => write(),
        }
    }

    /// Refusals are audited once per key per window by each instance.
    pub(super) fn first_shared_refusal(&self, name: Option<&str>, address: &str) -> bool {
        let now = self.now();
        let Some(key) = keys_of(name, address).pop() else {
            return true;
        };
        let mut entries = self.lock();
        let adding = usize::from(!entries.contains_key(&key));
        if !self.make_room(&mut entries, now, adding) {
            // No room to remember it: audit rather than break the bound.
            return true;
        }
        let entry = entries.entry(key).or_default();
        self.first_refusal_of(entry, now)
    }

    /// Deletes shared counters that no longer count (for the sweeper).
    pub fn forget_old_attempts(&self) -> StoreResult<usize> {
        let Some(store) = &self.shared else {
            return Ok(0);
        };
        let window = i64::from(self.window) * 10;
        store.forget_attempts(clock::now_ms(), window)
    }
}
