//! The metrics registry (the `prometheus` crate), one per app: outcome counters and a latency
//! histogram per route template. The hot path only bumps atomics: outcome counters are looked up
//! once, at start; a route's histogram by its template (a bounded set: the router's patterns).

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

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
pub const ACCESS_OUTCOMES: [&str; 3] = ["allow", "deny", "sign_in"];
/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const LIVE_SESSIONS: &str = "latchkey_live_sessions";

pub struct Metrics {
    registry: Registry,
    logins: [IntCounter; LOGIN_OUTCOMES.len()],
    refreshes: [IntCounter; REFRESH_OUTCOMES.len()],
    access: [IntCounter; ACCESS_OUTCOMES.len()],
    latency: HistogramVec,
    live_sessions: IntGauge,
    hash_slots_in_use: IntGauge,
    audit_dropped: IntCounter,
    log_dropped: IntCounter,
}

/// Values kept elsewhere, read when Prometheus scrapes.
pub struct Scraped {
    /// `None` when the database could not count them: the series is left out.
    pub live_sessions: Option<u64>,
    pub hash_slots_in_use: usize,
    pub audit_dropped: u64,
    pub log_dropped: u64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let registry = Registry::new();
        let logins = outcomes(
            &registry,
            "latchkey_logins_total",
            "Login attempts by outcome.",
            LOGIN_OUTCOMES,
        );
        let refreshes = outcomes(
            &registry,
            "latchkey_refreshes_total",
            "Refresh attempts by outcome (grace: an old id replayed within the reuse grace).",
            REFRESH_OUTCOMES,
        );
        let access = outcomes(
            &registry,
            "latchkey_access_decisions_total",
            "Forward-auth decisions of the access rules by outcome (a missing second factor is deny).",
            ACCESS_OUTCOMES,
        );
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "latchkey_http_request_duration_seconds",
                "Time from request to response head, by route template.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("a valid histogram");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Metrics {
            logins,
            refreshes,
            access,
            latency,
            live_sessions: gauge(
                &registry,
                LIVE_SESSIONS,
                "Sessions neither ended nor expired.",
            ),
            hash_slots_in_use: gauge(
                &registry,
                "latchkey_hash_slots_in_use",
                "Password hashes (argon2) running now.",
            ),
            audit_dropped: counter(
                &registry,
                "latchkey_audit_dropped_total",
                "Audit events dropped because the queue was full.",
            ),
            log_dropped: counter(
                &registry,
                "latchkey_log_dropped_total",
                "Log lines dropped because the log writer fell behind.",
            ),
            registry,
        }
    }
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
        self.logins[index].inc();
    }

    /// Counts an access-rules decision by its label (`allow`, `deny`, `sign_in`).
    pub fn access(&self, outcome: &str) {
        if let Some(at) = ACCESS_OUTCOMES.iter().position(|known| *known == outcome) {
            self.access[at].inc();
        }
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
        self.refreshes[index].inc();
    }

    /// Records one request's latency under its route template.
    pub fn observe(&self, route: &str, elapsed: Duration) {
        self.latency
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }

    /// Everything in Prometheus text format, with `scraped` copied in first.
    pub fn render(&self, scraped: &Scraped) -> String {
        self.live_sessions
            .set(scraped.live_sessions.map_or(0, saturating_i64));
        self.hash_slots_in_use
            .set(saturating_i64(scraped.hash_slots_in_use as u64));
        // Both totals only grow where they are kept; the counters catch up with them.
        catch_up(&self.audit_dropped, scraped.audit_dropped);
        catch_up(&self.log_dropped, scraped.log_dropped);
        let mut families = self.registry.gather();
        if scraped.live_sessions.is_none() {
            families.retain(|family| family.name() != LIVE_SESSIONS);
        }
        let mut out = Vec::with_capacity(8 * 1024);
        TextEncoder::new()
            .encode(&families, &mut out)
            .expect("text encoding into memory");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

fn outcomes<const N: usize>(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: [&str; N],
) -> [IntCounter; N] {
    let family = IntCounterVec::new(Opts::new(name, help), &["outcome"]).expect("valid counters");
    registry
        .register(Box::new(family.clone()))
        .expect("registered once");
    labels.map(|label| family.with_label_values(&[label]))
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let gauge = IntGauge::new(name, help).expect("a valid gauge");
    registry
        .register(Box::new(gauge.clone()))
        .expect("registered once");
    gauge
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let counter = IntCounter::new(name, help).expect("a valid counter");
    registry
        .register(Box::new(counter.clone()))
        .expect("registered once");
    counter
}

fn catch_up(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
