//! A small metrics registry on atomics: outcome counters and one latency histogram per route
//! template. Recording never takes a lock (a route seen for the first time takes one, once);
//! rendering reads the atomics as they are.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::histogram::Routes;
use crate::error::ApiError;

pub const LOGIN_OUTCOMES: [&str; 8] = [
    "success",
    "bad_credentials",
    "throttled",
    "busy",
    "storage_full",
    "mfa_required",
    "bad_code",
    "error",
];
pub const REFRESH_OUTCOMES: [&str; 10] = [
    "ok",
    "grace",
    "reuse_detected",
    "expired",
    "not_found",
    "revoked",
    "user_disabled",
    "busy",
    "storage_full",
    "error",
];

#[derive(Default)]
pub struct Metrics {
    logins: [AtomicU64; LOGIN_OUTCOMES.len()],
    refreshes: [AtomicU64; REFRESH_OUTCOMES.len()],
    routes: Routes,
}

impl Metrics {
    /// Counts a login by how it ended.
    pub fn login(&self, outcome: Result<(), &ApiError>) {
        let index = match outcome {
            Ok(()) => 0,
            Err(ApiError::InvalidCredentials) => 1,
            Err(ApiError::Throttled { .. }) => 2,
            Err(ApiError::Busy) => 3,
            Err(ApiError::StorageFull) => 4,
            Err(ApiError::MfaRequired(_)) => 5,
            Err(ApiError::InvalidCode) => 6,
            Err(_) => 7,
        };
        self.logins[index].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a refresh; `replayed` is an old id answered within the grace.
    pub fn refresh(&self, outcome: Result<bool, &ApiError>) {
        let index = match outcome {
            Ok(false) => 0,
            Ok(true) => 1,
            Err(ApiError::ReuseDetected) => 2,
            Err(ApiError::RefreshExpired) => 3,
            Err(ApiError::RefreshNotFound) => 4,
            Err(ApiError::Revoked) => 5,
            Err(ApiError::UserDisabled) => 6,
            Err(ApiError::Busy) => 7,
            Err(ApiError::StorageFull) => 8,
            Err(_) => 9,
        };
        self.refreshes[index].fetch_add(1, Ordering::Relaxed);
    }

    /// Records one request's latency under its route template.
    pub fn observe(&self, route: &str, elapsed: Duration) {
        self.routes.histogram(route).observe(elapsed);
    }

    pub fn login_count(&self, outcome: &str) -> u64 {
        count(&LOGIN_OUTCOMES, &self.logins, outcome)
    }

    pub fn refresh_count(&self, outcome: &str) -> u64 {
        count(&REFRESH_OUTCOMES, &self.refreshes, outcome)
    }

    /// The counters and histograms in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        counter_family(
            out,
            "latchkey_logins_total",
            "Login attempts by outcome.",
            &LOGIN_OUTCOMES,
            &self.logins,
        );
        counter_family(
            out,
            "latchkey_refreshes_total",
            "Refresh attempts by outcome (grace: an old id replayed within the reuse grace).",
            &REFRESH_OUTCOMES,
            &self.refreshes,
        );
        self.routes.render(out);
    }
}

fn count(names: &[&str], values: &[AtomicU64], wanted: &str) -> u64 {
    names
        .iter()
        .position(|name| *name == wanted)
        .map_or(0, |i| values[i].load(Ordering::Relaxed))
}

fn counter_family(out: &mut String, name: &str, help: &str, labels: &[&str], values: &[AtomicU64]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (label, value) in labels.iter().zip(values) {
        let _ = writeln!(
            out,
            "{name}{{outcome=\"{label}\"}} {}",
            value.load(Ordering::Relaxed)
        );
    }
}

/// One gauge with its help line.
pub fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_by_error() {
        let metrics = Metrics::default();
        metrics.login(Ok(()));
        metrics.login(Err(&ApiError::InvalidCredentials));
        metrics.refresh(Ok(true));
        metrics.refresh(Err(&ApiError::ReuseDetected));
        assert_eq!(metrics.login_count("success"), 1);
        assert_eq!(metrics.login_count("bad_credentials"), 1);
        assert_eq!(metrics.refresh_count("grace"), 1);
        assert_eq!(metrics.refresh_count("reuse_detected"), 1);
        assert_eq!(metrics.refresh_count("ok"), 0);
    }
}
