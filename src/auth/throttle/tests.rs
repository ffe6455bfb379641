use super::*;

fn refused<T>(result: Result<T, ApiError>) -> bool {
    matches!(result, Err(ApiError::Throttled { .. }))
}

#[test]
fn the_limit_applies_per_username_and_a_success_resets_it() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    throttle.reserve(Some("alice"), "1.1.1.1").unwrap().failed();
    throttle.reserve(Some("alice"), "2.2.2.2").unwrap().failed();
    assert!(refused(throttle.reserve(Some("alice"), "3.3.3.3")));
    assert!(throttle.reserve(Some("bob"), "3.3.3.3").is_ok());
}

#[test]
fn a_success_clears_the_name_and_is_no_failure_of_the_address() {
    let throttle = LoginThrottle::new(2, 2, Duration::from_secs(60));
    throttle.reserve(Some("alice"), "1.1.1.1").unwrap().failed();
    throttle
        .reserve(Some("alice"), "9.9.9.9")
        .unwrap()
        .succeeded();
    throttle.reserve(Some("alice"), "9.9.9.9").unwrap().failed();
    throttle.reserve(Some("alice"), "2.2.2.2").unwrap().failed();
    assert!(refused(throttle.reserve(Some("alice"), "3.3.3.3")));
    assert!(throttle.reserve(Some("bob"), "9.9.9.9").is_ok());
}

#[test]
fn attempts_in_flight_count_and_one_without_a_verdict_gives_its_slot_back() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    let first = throttle.reserve(Some("carol"), "1.1.1.1").unwrap();
    let second = throttle.reserve(Some("carol"), "1.1.1.1").unwrap();
    assert!(refused(throttle.reserve(Some("carol"), "1.1.1.1")));
    drop(second);
    first.failed();
    assert!(throttle.reserve(Some("carol"), "1.1.1.1").is_ok());
}

#[test]
fn a_name_that_can_never_be_valid_counts_for_the_address_only() {
    let throttle = LoginThrottle::new(1, 3, Duration::from_secs(60));
    for _ in 0..3 {
        throttle.reserve(None, "4.4.4.4").unwrap().failed();
    }
    assert_eq!(throttle.tracked(), 1);
    assert!(refused(throttle.reserve(Some("dave"), "4.4.4.4")));
}

#[test]
fn ipv6_addresses_count_per_slash_64() {
    let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
    throttle.reserve(None, "2001:db8:1:2::1").unwrap().failed();
    throttle
        .reserve(None, "2001:db8:1:2:ffff::9")
        .unwrap()
        .failed();
    assert!(refused(throttle.reserve(None, "2001:db8:1:2:abcd::5")));
    assert!(throttle.reserve(None, "2001:db8:1:3::1").is_ok());
}

#[test]
fn a_refusal_is_audited_once_per_key_per_window() {
    let throttle = LoginThrottle::new(1, 100, Duration::from_secs(60));
    throttle.reserve(Some("erin"), "1.1.1.1").unwrap().failed();
    assert!(throttle.first_refusal_in_window(Some("erin"), "1.1.1.1"));
    assert!(!throttle.first_refusal_in_window(Some("erin"), "2.2.2.2"));
    throttle.reserve(Some("frank"), "1.1.1.1").unwrap().failed();
    assert!(throttle.first_refusal_in_window(Some("frank"), "1.1.1.1"));
}

/// 100k distinct names from 100k distinct addresses: the map never holds
/// more than `MAX_KEYS`, and its memory stays under the stated 12 MiB.
#[test]
fn memory_stays_bounded_under_100k_distinct_names_and_addresses() {
    let throttle = LoginThrottle::new(5, 20, Duration::from_secs(300));
    for i in 0..100_000u32 {
        let address = format!("2001:db8:{:x}:{:x}::1", i >> 16, i & 0xffff);
        let name = format!("user-{i}");
        throttle.reserve(Some(&name), &address).unwrap().failed();
        assert!(throttle.tracked() <= MAX_KEYS);
    }
    let entries = throttle.lock();
    let slot = std::mem::size_of::<(Key, Entry)>() + 1;
    let heap: usize = entries.values().map(|e| e.times.capacity() * 4).sum();
    let bytes = entries.capacity() * slot + heap + entries.len() * 16;
    assert!(bytes < 12 << 20, "{bytes} bytes");
    assert!(entries.len() > MAX_KEYS / 4, "recent keys are kept");
}
