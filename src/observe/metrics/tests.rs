//! The registry's text, read back as Prometheus would.

use super::*;

fn scraped(live_sessions: Option<u64>) -> Scraped {
    Scraped {
        live_sessions,
        hash_slots_in_use: 1,
        audit_dropped: 5,
        log_dropped: 0,
    }
}

/// The value of one sample line, e.g. `latchkey_logins_total{outcome="success"}`.
fn sample<'a>(text: &'a str, series: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[test]
fn outcomes_are_counted_by_error() {
    let metrics = Metrics::default();
    metrics.login(Ok(()));
    metrics.login(Err(&ApiError::InvalidCredentials));
    metrics.refresh(Ok(true));
    metrics.refresh(Err(&ApiError::ReuseDetected));
    let text = metrics.render(&scraped(Some(2)));
    let login = |outcome| {
        sample(
            &text,
            &format!("latchkey_logins_total{{outcome=\"{outcome}\"}}"),
        )
    };
    let refresh = |outcome| {
        sample(
            &text,
            &format!("latchkey_refreshes_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(login("success"), "1");
    assert_eq!(login("bad_credentials"), "1");
    assert_eq!(login("throttled"), "0");
    assert_eq!(refresh("grace"), "1");
    assert_eq!(refresh("reuse_detected"), "1");
    assert_eq!(refresh("ok"), "0");
}

#[test]
fn a_route_histogram_has_cumulative_buckets_sum_and_count() {
    let metrics = Metrics::default();
    for elapsed in [
        Duration::from_micros(300),
        Duration::from_millis(3),
        Duration::from_secs(10),
    ] {
        metrics.observe("/user/me", elapsed);
    }
    let text = metrics.render(&scraped(Some(0)));
    let bucket = |le| {
        sample(
            &text,
            &format!(
                "latchkey_http_request_duration_seconds_bucket{{route=\"/user/me\",le=\"{le}\"}}"
            ),
        )
    };
    assert_eq!(bucket("0.0005"), "1");
    assert_eq!(bucket("0.005"), "2");
    assert_eq!(bucket("2.5"), "2");
    assert_eq!(bucket("+Inf"), "3");
    let count = "latchkey_http_request_duration_seconds_count{route=\"/user/me\"}";
    assert_eq!(sample(&text, count), "3");
}

#[test]
fn scraped_values_are_copied_in_and_an_unknown_session_count_is_left_out() {
    let metrics = Metrics::default();
    let text = metrics.render(&scraped(Some(7)));
    assert_eq!(sample(&text, "latchkey_live_sessions"), "7");
    assert_eq!(sample(&text, "latchkey_hash_slots_in_use"), "1");
    assert_eq!(sample(&text, "latchkey_audit_dropped_total"), "5");

    let again = metrics.render(&scraped(None));
    assert_eq!(
        sample(&again, "latchkey_audit_dropped_total"),
        "5",
        "not counted twice"
    );
    assert!(!again.contains("latchkey_live_sessions"), "{again}");
}
