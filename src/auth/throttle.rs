//! Failed-login counting per username and per client address in a sliding window; past the limit a login is refused before any hash is computed.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// Above this many tracked keys, stale ones are dropped on the next failure.
const PRUNE_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    max_per_user: u32,
    max_per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(String),
}

impl LoginThrottle {
    pub fn new(max_per_user: u32, max_per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            max_per_user,
            max_per_address,
            window,
            failures: Mutex::default(),
        }
    }

    /// 429 with the seconds until the oldest counted failure leaves the window.
    pub fn check(&self, username: &str, address: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let limits = [
            (Key::User(username.to_lowercase()), self.max_per_user),
            (Key::Address(address.to_string()), self.max_per_address),
        ];
        for (key, max) in limits {
            if let Some(times) = failures.get_mut(&key) {
                self.forget_old(times, now);
                if times.len() >= max as usize {
                    let oldest = times.front().copied().unwrap_or(now);
                    let wait = self.window.saturating_sub(now.duration_since(oldest));
                    return Err(ApiError::Throttled {
                        retry_after_secs: wait.as_secs() + 1,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < self.window)
            });
        }
        for key in [
            Key::User(username.to_lowercase()),
            Key::Address(address.to_string()),
        ] {
            let times = failures.entry(key).or_default();
            self.forget_old(times, now);
            times.push_back(now);
        }
    }

    /// A success clears the username's failures (not the address's: one
    /// right password must not reset a spray across many accounts).
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&Key::User(username.to_lowercase()));
    }

    fn forget_old(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_username_and_a_success_resets_it() {
        let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
        throttle.record_failure("Alice", "1.1.1.1");
        assert!(throttle.check("alice", "1.1.1.1").is_ok());
        throttle.record_failure("alice", "2.2.2.2");
        assert!(matches!(
            throttle.check("ALICE", "3.3.3.3"),
            Err(ApiError::Throttled { .. })
        ));
        throttle.record_success("alice");
        assert!(throttle.check("alice", "3.3.3.3").is_ok());
    }

    #[test]
    fn the_limit_applies_per_address() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        throttle.record_failure("a", "9.9.9.9");
        throttle.record_failure("b", "9.9.9.9");
        assert!(throttle.check("c", "9.9.9.9").is_err());
        assert!(throttle.check("c", "8.8.8.8").is_ok());
    }
}
