//! The throttle's one rule for a key, in memory and in a shared store alike: failures within the
//! window at the limit refuse until the oldest leaves it; failures and attempts in flight at the
//! limit wait for a verdict; anything less counts one more attempt. Stores only count.

use crate::store::KeyCount;

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Counted,
    /// The failures alone are at the limit.
    Refused {
        retry_after_secs: u64,
    },
    /// Only attempts in flight fill the limit: wait for one of them.
    Wait,
    /// Every tracked key is in flight and the map is at `MAX_KEYS`: the
    /// server is flooded, and a new key would break the memory bound.
    Full,
}

/// What one more attempt of a key with `count` gets under its limit `max`.
pub(super) fn judge(count: &KeyCount, max: usize, window_ms: i64) -> Verdict {
    if count.failures >= max {
        let age = count.oldest_failure_age_ms.unwrap_or(0);
        let wait_ms = window_ms.saturating_sub(age).max(0) as u64;
        Verdict::Refused {
            retry_after_secs: wait_ms / 1000 + 1,
        }
    } else if count.failures + count.in_flight >= max {
        Verdict::Wait
    } else {
        Verdict::Counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(failures: usize, in_flight: usize, age: Option<i64>) -> KeyCount {
        KeyCount {
            failures,
            in_flight,
            oldest_failure_age_ms: age,
        }
    }

    #[test]
    fn the_limit_refuses_waits_or_counts_and_says_when_to_retry() {
        let window = 60_000;
        assert_eq!(judge(&count(4, 0, Some(1)), 5, window), Verdict::Counted);
        assert_eq!(judge(&count(4, 1, Some(1)), 5, window), Verdict::Wait);
        assert_eq!(
            judge(&count(5, 0, Some(30_500)), 5, window),
            Verdict::Refused {
                retry_after_secs: 30
            }
        );
        assert_eq!(
            judge(&count(5, 3, Some(window)), 5, window),
            Verdict::Refused {
                retry_after_secs: 1
            },
            "at the window's edge: retry within a second"
        );
    }
}
