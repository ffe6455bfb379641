//! One counted login attempt and its verdict: a failure stays counted for the window, a success
//! clears the name, and one dropped without a verdict gives its slot back; every verdict wakes the
//! attempts waiting on it.

use super::{Key, LoginThrottle};
use crate::store::Settled;

/// A counted attempt: it becomes a failure unless `succeeded` or dropped
/// without a verdict (busy, error), which gives the slot back.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<Key>,
    settled: bool,
    /// Its rows in a shared database, when the throttle counts there.
    rows: Option<Vec<i64>>,
}

impl LoginThrottle {
    /// Settles an attempt in flight: a failure is counted now; a user key
    /// of a success is cleared (not the address's: one right password must
    /// not reset a spray across many accounts).
    fn settle(&self, keys: &[Key], outcome: Outcome) {
        let now = self.now();
        let mut entries = self.lock();
        for key in keys {
            let Some(entry) = entries.get_mut(key) else {
                continue;
            };
            entry.in_flight = entry.in_flight.saturating_sub(1);
            match (outcome, key) {
                (Outcome::Failed, _) => {
                    if entry.times.capacity() == 0 {
                        entry.times.reserve_exact(self.max_for(key));
                    }
                    entry.times.push(now);
                }
                (Outcome::Succeeded, Key::User(_)) if entry.in_flight == 0 => {
                    entries.remove(key);
                }
                (Outcome::Succeeded, Key::User(_)) => entry.times.clear(),
                _ => {}
            }
        }
        drop(entries);
        self.settled.notify_waiters();
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Failed,
    Succeeded,
    /// No verdict (busy, an error): the attempt proved nothing.
    Void,
}

impl<'a> Attempt<'a> {
    pub(super) fn counted(throttle: &'a LoginThrottle, keys: Vec<Key>) -> Attempt<'a> {
        Attempt {
            throttle,
            keys,
            settled: false,
            rows: None,
        }
    }

    pub(super) fn counted_in(
        throttle: &'a LoginThrottle,
        keys: Vec<Key>,
        rows: Vec<i64>,
    ) -> Attempt<'a> {
        let mut attempt = Attempt::counted(throttle, keys);
        attempt.rows = Some(rows);
        attempt
    }

    /// The attempt failed: it counts for the window.
    pub fn failed(mut self) {
        self.settle(Outcome::Failed);
    }

    /// A success clears the username's failures and is no failure of the
    /// address.
    pub fn succeeded(mut self) {
        self.settle(Outcome::Succeeded);
    }

    fn settle(&mut self, outcome: Outcome) {
        self.settled = true;
        match self.rows.take() {
            None => self.throttle.settle(&self.keys, outcome),
            Some(rows) => {
                let outcome = match outcome {
                    Outcome::Failed => Settled::Failed,
                    Outcome::Succeeded => Settled::Succeeded,
                    Outcome::Void => Settled::Void,
                };
                self.throttle.settle_shared(&self.keys, rows, outcome);
            }
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.settle(Outcome::Void);
        }
    }
}
