//! The counters in this process (no shared database): a map from key to its failures in the
//! window and its attempts in flight, bounded by `MAX_KEYS`, stale entries dropped first.

use std::collections::HashMap;

use super::verdict::{judge, Verdict};
use super::{keys_of, Attempt, Key, LoginThrottle, Tick, MAX_KEYS};
use crate::store::KeyCount;

#[derive(Default)]
pub(super) struct Entry {
    /// Failures within the window, oldest first.
    pub(super) times: Vec<Tick>,
    /// Attempts in flight: each may still become a failure.
    pub(super) in_flight: u32,
    /// When a refusal of this key was last written to the audit trail.
    refusal_audited: Option<Tick>,
}

impl LoginThrottle {
    pub(super) fn try_reserve(
        &self,
        name: Option<&str>,
        address: &str,
    ) -> Result<Attempt<'_>, Verdict> {
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

    /// Marks a refusal of the entry's key as audited, unless one was within the window.
    pub(super) fn first_refusal_of(&self, entry: &mut Entry, now: Tick) -> bool {
        let first = entry
            .refusal_audited
            .is_none_or(|at| now.wrapping_sub(at) >= self.window);
        if first {
            entry.refusal_audited = Some(now);
        }
        first
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
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
    pub(super) fn make_room(
        &self,
        entries: &mut HashMap<Key, Entry>,
        now: Tick,
        adding: usize,
    ) -> bool {
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
