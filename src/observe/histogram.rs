//! Latency histograms, one per route template, on atomics: recording never takes a lock (a route
//! seen for the first time takes one, once).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in microseconds (Prometheus `le` in seconds).
const BUCKETS_US: [u64; 12] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000,
];
/// Route templates tracked; more (none today) share the last slot's `other`.
const MAX_ROUTES: usize = 64;

/// Route templates in the order first seen. A slot, once set, never
/// changes, so lookups read without locking.
pub(super) struct Routes {
    slots: [OnceLock<(Box<str>, Histogram)>; MAX_ROUTES],
    len: AtomicUsize,
    adding: Mutex<()>,
}

impl Default for Routes {
    fn default() -> Routes {
        Routes {
            slots: std::array::from_fn(|_| OnceLock::new()),
            len: AtomicUsize::new(0),
            adding: Mutex::new(()),
        }
    }
}

impl Routes {
    fn find(&self, route: &str) -> Option<&Histogram> {
        let len = self.len.load(Ordering::Acquire);
        self.slots[..len]
            .iter()
            .filter_map(OnceLock::get)
            .find(|(name, _)| &**name == route)
            .map(|(_, histogram)| histogram)
    }

    pub(super) fn histogram(&self, route: &str) -> &Histogram {
        if let Some(found) = self.find(route) {
            return found;
        }
        let _adding = self.adding.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = self.find(route) {
            return found;
        }
        let len = self.len.load(Ordering::Acquire);
        let (index, name) = if len + 1 < MAX_ROUTES {
            (len, route)
        } else {
            (MAX_ROUTES - 1, "other")
        };
        let (_, histogram) = self.slots[index].get_or_init(|| (name.into(), Histogram::default()));
        self.len.store((index + 1).max(len), Ordering::Release);
        histogram
    }

    pub(super) fn render(&self, out: &mut String) {
        const NAME: &str = "latchkey_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {NAME} Time from request to response head, by route template.\n# TYPE {NAME} histogram"
        );
        let len = self.len.load(Ordering::Acquire);
        for (route, histogram) in self.slots[..len].iter().filter_map(OnceLock::get) {
            histogram.render(out, NAME, &escape(route));
        }
    }
}

/// Counts per bucket (not cumulative; summed when rendered), a sum and a count.
#[derive(Default)]
pub(super) struct Histogram {
    buckets: [AtomicU64; BUCKETS_US.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    pub(super) fn observe(&self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if let Some(i) = BUCKETS_US.iter().position(|bound| us <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, route: &str) {
        let count = self.count.load(Ordering::Relaxed);
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS_US.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = *bound as f64 / 1e6;
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                cumulative.min(count)
            );
        }
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}\n{name}_sum{{route=\"{route}\"}} {sum}\n{name}_count{{route=\"{route}\"}} {count}"
        );
    }
}

/// Label values escape `\`, `"` and newlines.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_renders_cumulative_buckets_sum_and_count() {
        let routes = Routes::default();
        routes
            .histogram("/user/me")
            .observe(Duration::from_micros(300));
        routes
            .histogram("/user/me")
            .observe(Duration::from_millis(3));
        routes
            .histogram("/user/me")
            .observe(Duration::from_secs(10));
        let mut out = String::new();
        routes.render(&mut out);
        let line = |prefix: &str| {
            out.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("{prefix} in\n{out}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_string()
        };
        let bucket = "latchkey_http_request_duration_seconds_bucket{route=\"/user/me\"";
        assert_eq!(line(&format!("{bucket},le=\"0.0005\"}}")), "1");
        assert_eq!(line(&format!("{bucket},le=\"0.005\"}}")), "2");
        assert_eq!(line(&format!("{bucket},le=\"2.5\"}}")), "2");
        assert_eq!(line(&format!("{bucket},le=\"+Inf\"}}")), "3");
        assert_eq!(
            line("latchkey_http_request_duration_seconds_count{route=\"/user/me\"}"),
            "3"
        );
    }

    #[test]
    fn routes_beyond_the_limit_share_one_series() {
        let routes = Routes::default();
        for i in 0..MAX_ROUTES + 10 {
            routes
                .histogram(&format!("/r{i}"))
                .observe(Duration::from_millis(1));
        }
        let mut out = String::new();
        routes.render(&mut out);
        let other = "latchkey_http_request_duration_seconds_count{route=\"other\"}";
        assert!(out.contains(&format!("{other} 11")), "{out}");
    }
}
