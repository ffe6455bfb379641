//! Failed-login counting per username and per client address in a sliding window: a slot is taken
//! before any hash (so a failure in flight counts and the limit is exact; an attempt that would
//! pass the limit only because others are still in flight waits for their verdict), keys are hashes
//! (IPv6 per /64) and the number of tracked keys is capped.

mod attempt;
mod key;
mod shared;
mod verdict;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::error::ApiError;
use crate::store::{KeyCount, ThrottleStore};
pub use attempt::Attempt;
pub use key::Key;
use verdict::{judge, Verdict};

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

#[derive(Default)]
struct Entry {
    /// Failures within the window, oldest first.
    times: Vec<Tick>,
    /// Attempts in flight: each may still become a failure.
    in_flight: u32,
    /// When a refusal of this key was last written to the audit trail.
    refusal_audited: Option<Tick>,
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

    fn try_reserve(&self, name: Option<&str>, address: &str) -> Result<Attempt<'_>, Verdict> {
        let now = self.now();
        let keys = keys_of(name, address);
        let mut entries = self.lock();
        for key in &keys {
            if let Some(entry) = entries.get_mut(key) {
                self.forget_old(entry, now);
                match self.verdict(entry, self.max_for(key), now) {
                    Verdict::Counted => {}
                    other => return Err(other),
                }
            }
        }
        let adding = keys.iter().filter(|k| !entries.contains_key(*k)).count();
        if !self.make_room(&mut entries, now, adding) {
            return Err(Verdict::Full);
        }
        for key in &keys {
            entries.entry(key.clone()).or_default().in_flight += 1;
        }
        Ok(Attempt::counted(self, keys))
    }

    fn verdict(&self, entry: &Entry, max: usize, now: Tick) -> Verdict {
        let count = KeyCount {
            failures: entry.times.len(),
            in_flight: entry.in_flight as usize,
            oldest_failure_age_ms: entry
                .times
                .first()
                .map(|oldest| i64::from(now.wrapping_sub(*oldest)) * 10),
        };
        judge(&count, max, i64::from(self.window) * 10)
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

    /// Marks a refusal of the entry's key as audited, unless one was within the window.
    fn first_refusal_of(&self, entry: &mut Entry, now: Tick) -> bool {
        let first = entry
            .refusal_audited
            .is_none_or(|at| now.wrapping_sub(at) >= self.window);
        if first {
            entry.refusal_audited = Some(now);
        }
        first
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn forget_old(&self, entry: &mut Entry, now: Tick) {
        let stale = entry
            .times
            .iter()
            .take_while(|t| now.wrapping_sub(**t) >= self.window)
            .count();
        entry.times.drain(..stale);
    }

    /// Makes room for `adding` new keys under `MAX_KEYS`, and says whether
    /// there is: stale entries go first; if that is not enough, the half of
    /// those not in flight whose last failure is oldest (amortised: a full
    /// sort once per `MAX_KEYS / 2` new keys). Entries in flight are never
    /// dropped (their verdict is still to come), so when they alone fill the
    /// map there is no room.
    fn make_room(&self, entries: &mut HashMap<Key, Entry>, now: Tick, adding: usize) -> bool {
        if entries.len() + adding <= MAX_KEYS {
            return true;
        }
        entries.retain(|_, e| {
            e.in_flight > 0
                || e.times
                    .last()
                    .is_some_and(|t| now.wrapping_sub(*t) < self.window)
        });
        let mut last: Vec<Tick> = entries
            .values()
            .filter(|e| e.in_flight == 0)
            .filter_map(|e| e.times.last().copied())
            .collect();
        if entries.len() + adding > MAX_KEYS && !last.is_empty() {
            last.sort_unstable();
            let cutoff = last[last.len() / 2];
            entries.retain(|_, e| e.in_flight > 0 || e.times.last().is_some_and(|t| *t > cutoff));
            entries.shrink_to(MAX_KEYS);
        }
        entries.len() + adding <= MAX_KEYS
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
