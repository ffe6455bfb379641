//! Failed-login counting per username and per client address in a sliding window: a slot is reserved before any hash (so a failure in flight counts and the limit is exact), keys are hashes (IPv6 per /64) and the number of tracked keys is capped.

mod key;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;
pub use key::Key;

/// At most this many names and addresses are tracked at once. An entry
/// costs about 200 bytes at the default limits (a 16-byte key, a map slot,
/// one 4-byte time per counted failure), so the throttle stays under about
/// 12 MiB however many names and addresses are tried. Past the cap, stale
/// entries go first, then the half whose last failure is oldest.
pub const MAX_KEYS: usize = 50_000;

/// Time in 10 ms ticks since the throttle started: 4 bytes per failure,
/// good for 497 days of uptime.
type Tick = u32;

pub struct LoginThrottle {
    max_per_user: u32,
    max_per_address: u32,
    window: Tick,
    started: Instant,
    entries: Mutex<HashMap<Key, Entry>>,
}

#[derive(Default)]
struct Entry {
    /// Failures (and attempts in flight) within the window, oldest first.
    times: Vec<Tick>,
    /// When a refusal of this key was last written to the audit trail.
    refusal_audited: Option<Tick>,
}

/// A counted attempt: it stays a failure unless `succeeded` or dropped
/// without a verdict (busy, error), which gives the slot back.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<Key>,
    at: Tick,
    settled: bool,
}

impl LoginThrottle {
    pub fn new(max_per_user: u32, max_per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            max_per_user,
            max_per_address,
            window: (window.as_millis() / 10).clamp(1, Tick::MAX as u128) as Tick,
            started: Instant::now(),
            entries: Mutex::default(),
        }
    }

    /// Counts an attempt for `name` (a folded username; `None` for a name
    /// that can never be valid, which counts for the address only) from
    /// `address`, or 429 when either is at its limit. Atomic: parallel
    /// attempts never get past the limit together.
    pub fn reserve(&self, name: Option<&str>, address: &str) -> Result<Attempt<'_>, ApiError> {
        let now = self.now();
        let mut keys = vec![Key::address(address)];
        keys.extend(name.map(Key::user));
        let mut entries = self.lock();
        for key in &keys {
            if let Some(entry) = entries.get_mut(key) {
                self.forget_old(entry, now);
                if entry.times.len() >= self.max_for(key) {
                    let oldest = entry.times.first().copied().unwrap_or(now);
                    let wait = self.window.saturating_sub(now.wrapping_sub(oldest));
                    return Err(ApiError::Throttled {
                        retry_after_secs: u64::from(wait) / 100 + 1,
                    });
                }
            }
        }
        self.make_room(&mut entries, now, keys.len());
        for key in &keys {
            let entry = entries.entry(key.clone()).or_default();
            if entry.times.capacity() == 0 {
                entry.times.reserve_exact(self.max_for(key));
            }
            entry.times.push(now);
        }
        Ok(Attempt {
            throttle: self,
            keys,
            at: now,
            settled: false,
        })
    }

    /// Whether a refusal for these keys should be written to the audit
    /// trail: once per key per window, so a flood of refused attempts
    /// writes one row, not one per attempt.
    pub fn first_refusal_in_window(&self, name: Option<&str>, address: &str) -> bool {
        let now = self.now();
        let mut entries = self.lock();
        let mut keys = vec![Key::address(address)];
        keys.extend(name.map(Key::user));
        let full = keys.into_iter().find(|key| {
            let max = self.max_for(key);
            entries.get(key).is_some_and(|e| e.times.len() >= max)
        });
        let Some(entry) = full.and_then(|key| entries.get_mut(&key)) else {
            return true;
        };
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

    /// Keeps the map under `MAX_KEYS`: stale entries go first; if that is
    /// not enough, the half whose last failure is oldest (amortised: a full
    /// sort once per `MAX_KEYS / 2` new keys).
    fn make_room(&self, entries: &mut HashMap<Key, Entry>, now: Tick, adding: usize) {
        if entries.len() + adding <= MAX_KEYS {
            return;
        }
        entries.retain(|_, e| {
            e.times
                .last()
                .is_some_and(|t| now.wrapping_sub(*t) < self.window)
        });
        if entries.len() + adding <= MAX_KEYS {
            return;
        }
        let mut last: Vec<Tick> = entries
            .values()
            .filter_map(|e| e.times.last().copied())
            .collect();
        last.sort_unstable();
        let cutoff = last[last.len() / 2];
        entries.retain(|_, e| e.times.last().is_some_and(|t| *t > cutoff));
        entries.shrink_to(MAX_KEYS);
    }

    fn release(&self, keys: &[Key], at: Tick) {
        let mut entries = self.lock();
        for key in keys {
            if let Some(entry) = entries.get_mut(key) {
                if let Some(i) = entry.times.iter().rposition(|t| *t == at) {
                    entry.times.remove(i);
                }
            }
        }
    }
}

impl Attempt<'_> {
    /// The attempt failed: it stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }

    /// A success clears the username's failures (not the address's: one
    /// right password must not reset a spray across many accounts), and the
    /// attempt itself is no failure of the address.
    pub fn succeeded(mut self) {
        self.settled = true;
        let throttle = self.throttle;
        throttle.release(&self.keys[..1], self.at);
        let mut entries = throttle.lock();
        for key in &self.keys[1..] {
            entries.remove(key);
        }
    }
}

impl Drop for Attempt<'_> {
    /// Neither verdict (busy, an error): the attempt proved nothing.
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.release(&self.keys, self.at);
        }
    }
}

#[cfg(test)]
mod tests;
