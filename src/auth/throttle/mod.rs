//! Failed-login counting per username and per client address in a sliding window: a slot is taken
//! before any hash (so a failure in flight counts and the limit is exact; an attempt that would
//! pass the limit only because others are still in flight waits for their verdict), keys are hashes
//! (IPv6 per /64) and the number of tracked keys is capped.

mod attempt;
mod key;
mod memory;
mod shared;
mod verdict;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::error::ApiError;
use crate::store::ThrottleStore;
pub use attempt::Attempt;
pub use key::Key;
use memory::Entry;
use verdict::Verdict;

/// At most this many names and addresses are tracked at once. An entry
/// costs about 200 bytes at the default limits (a 16-byte key, a map slot,
/// one 4-byte time per counted failure), so the throttle stays under about
/// 12 MiB however many names and addresses are tried. Past the cap, stale
/// entries go first, then the half whose last failure is oldest.
pub const MAX_KEYS: usize = 50_000;

/// How long an attempt waits for the verdicts of attempts in flight before
/// it is refused: far longer than a hash, which bounds every attempt.
const WAIT_FOR_VERDICTS: Duration = Duration::from_secs(10);

/// Time in 10 ms ticks since the throttle started: 4 bytes per failure,
/// good for 497 days of uptime.
type Tick = u32;

pub struct LoginThrottle {
    max_per_user: u32,
    max_per_address: u32,
    window: Tick,
    started: Instant,
    entries: Mutex<HashMap<Key, Entry>>,
    /// Woken whenever an attempt in flight gets its verdict.
    settled: Notify,
    /// Counters in a database shared by many instances, when there is one;
    /// then `entries` only remembers which refusals were audited.
    shared: Option<Arc<dyn ThrottleStore>>,
}

impl LoginThrottle {
    pub fn new(max_per_user: u32, max_per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            max_per_user,
            max_per_address,
            window: (window.as_millis() / 10).clamp(1, Tick::MAX as u128) as Tick,
            started: Instant::now(),
            entries: Mutex::default(),
            settled: Notify::new(),
            shared: None,
        }
    }

    /// Counts in `store`, which every instance shares, rather than in memory.
    pub fn shared_by(self, store: Option<Arc<dyn ThrottleStore>>) -> LoginThrottle {
        LoginThrottle {
            shared: store,
            ..self
        }
    }

    /// Counts an attempt for `name` (a folded username; `None` for a name
    /// that can never be valid, which counts for the address only) from
    /// `address`, or 429 when either is at its limit. Exact under parallel
    /// attempts: one that would pass the limit only because others are in
    /// flight waits for their verdicts, so parallel right passwords all
    /// get in and parallel guesses never pass the limit together.
    pub async fn reserve(
        &self,
        name: Option<&str>,
        address: &str,
    ) -> Result<Attempt<'_>, ApiError> {
        let deadline = tokio::time::Instant::now() + WAIT_FOR_VERDICTS;
        loop {
            // Listening before looking, so a verdict in between is not missed.
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            let verdict = match &self.shared {
                None => self.try_reserve(name, address),
                Some(store) => {
                    self.try_reserve_shared(store.clone(), name, address)
                        .await?
                }
            };
            match verdict {
                Ok(attempt) => return Ok(attempt),
                Err(Verdict::Refused { retry_after_secs }) => {
                    return Err(ApiError::Throttled { retry_after_secs })
                }
                Err(Verdict::Full) => return Err(ApiError::Busy),
                Err(_) => {
                    // Verdicts on other instances wake nobody here: look again soon.
                    let poll = tokio::time::sleep(shared::POLL);
                    let woken = async {
                        match self.shared.is_some() {
                            true => tokio::select! { _ = settled => {}, _ = poll => {} },
                            false => settled.await,
                        }
                    };
                    if tokio::time::timeout_at(deadline, woken).await.is_err() {
                        return Err(ApiError::Throttled {
                            retry_after_secs: 1,
                        });
                    }
                }
            }
        }
    }

    /// Whether a refusal for these keys should be written to the audit
    /// trail: once per key per window, so a flood of refused attempts
    /// writes one row, not one per attempt.
    pub fn first_refusal_in_window(&self, name: Option<&str>, address: &str) -> bool {
        if self.shared.is_some() {
            return self.first_shared_refusal(name, address);
        }
        let now = self.now();
        let mut entries = self.lock();
        let keys = keys_of(name, address);
        let full = keys.into_iter().find(|key| {
            let max = self.max_for(key);
            entries.get(key).is_some_and(|e| e.times.len() >= max)
        });
        match full.and_then(|key| entries.get_mut(&key)) {
            Some(entry) => self.first_refusal_of(entry, now),
            None => true,
        }
    }

    /// Names and addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    fn max_for(&self, key: &Key) -> usize {
        let max = match key {
            Key::User(_) => self.max_per_user,
            Key::Address(_) => self.max_per_address,
        };
        max as usize
    }

    fn now(&self) -> Tick {
        (self.started.elapsed().as_millis() / 10) as Tick
    }
}

/// What an attempt counts for: its address, and its name when it has one.
fn keys_of(name: Option<&str>, address: &str) -> Vec<Key> {
    let mut keys = vec![Key::address(address)];
    keys.extend(name.map(Key::user));
    keys
}

#[cfg(test)]
mod tests;
