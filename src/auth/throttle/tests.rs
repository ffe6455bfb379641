use super::*;

fn refused<T>(result: Result<T, ApiError>) -> bool {
    matches!(result, Err(ApiError::Throttled { .. }))
}

#[tokio::test]
async fn the_limit_applies_per_username_and_a_success_resets_it() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    throttle
        .reserve(Some("alice"), "1.1.1.1")
        .await
        .unwrap()
        .failed();
    throttle
        .reserve(Some("alice"), "2.2.2.2")
        .await
        .unwrap()
        .failed();
    assert!(refused(throttle.reserve(Some("alice"), "3.3.3.3").await));
    assert!(throttle.reserve(Some("bob"), "3.3.3.3").await.is_ok());
}

#[tokio::test]
async fn a_success_clears_the_name_and_is_no_failure_of_the_address() {
    let throttle = LoginThrottle::new(2, 2, Duration::from_secs(60));
    throttle
        .reserve(Some("alice"), "1.1.1.1")
        .await
        .unwrap()
        .failed();
    throttle
        .reserve(Some("alice"), "9.9.9.9")
        .await
        .unwrap()
        .succeeded();
    throttle
        .reserve(Some("alice"), "9.9.9.9")
        .await
        .unwrap()
        .failed();
    throttle
        .reserve(Some("alice"), "2.2.2.2")
        .await
        .unwrap()
        .failed();
    assert!(refused(throttle.reserve(Some("alice"), "3.3.3.3").await));
    assert!(throttle.reserve(Some("bob"), "9.9.9.9").await.is_ok());
}

/// Polls the attempt once: whether it is waiting rather than answered.
async fn is_waiting<F: std::future::Future + Unpin>(attempt: &mut F) -> bool {
    tokio::select! {
        biased;
        _ = attempt => false,
        _ = std::future::ready(()) => true,
    }
}

#[tokio::test]
async fn past_the_attempts_in_flight_an_attempt_waits_and_failures_then_refuse_it() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    let first = throttle.reserve(Some("carol"), "1.1.1.1").await.unwrap();
    let second = throttle.reserve(Some("carol"), "1.1.1.1").await.unwrap();
    let mut third = Box::pin(throttle.reserve(Some("carol"), "1.1.1.1"));
    assert!(is_waiting(&mut third).await);
    first.failed();
    second.failed();
    assert!(refused(third.await));
}

#[tokio::test]
async fn one_without_a_verdict_gives_its_slot_back_to_a_waiting_attempt() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    let first = throttle.reserve(Some("carol"), "1.1.1.1").await.unwrap();
    let second = throttle.reserve(Some("carol"), "1.1.1.1").await.unwrap();
    let mut third = Box::pin(throttle.reserve(Some("carol"), "1.1.1.1"));
    assert!(is_waiting(&mut third).await);
    drop(second);
    first.failed();
    third.await.unwrap().failed();
    assert!(refused(throttle.reserve(Some("carol"), "1.1.1.1").await));
}

#[tokio::test]
async fn parallel_right_passwords_all_get_in() {
    let throttle = LoginThrottle::new(2, 100, Duration::from_secs(60));
    let first = throttle.reserve(Some("dora"), "1.1.1.1").await.unwrap();
    let _second = throttle.reserve(Some("dora"), "1.1.1.1").await.unwrap();
    let mut third = Box::pin(throttle.reserve(Some("dora"), "1.1.1.1"));
    assert!(is_waiting(&mut third).await);
    first.succeeded();
    assert!(third.await.is_ok());
}

#[tokio::test]
async fn a_name_that_can_never_be_valid_counts_for_the_address_only() {
    let throttle = LoginThrottle::new(1, 3, Duration::from_secs(60));
    for _ in 0..3 {
        throttle.reserve(None, "4.4.4.4").await.unwrap().failed();
    }
    assert_eq!(throttle.tracked(), 1);
    assert!(refused(throttle.reserve(Some("dave"), "4.4.4.4").await));
}

#[tokio::test]
async fn ipv6_addresses_count_per_slash_64() {
    let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
    throttle
        .reserve(None, "2001:db8:1:2::1")
        .await
        .unwrap()
        .failed();
    throttle
        .reserve(None, "2001:db8:1:2:ffff::9")
        .await
        .unwrap()
        .failed();
    assert!(refused(
        throttle.reserve(None, "2001:db8:1:2:abcd::5").await
    ));
    assert!(throttle.reserve(None, "2001:db8:1:3::1").await.is_ok());
}

#[tokio::test]
async fn a_refusal_is_audited_once_per_key_per_window() {
    let throttle = LoginThrottle::new(1, 100, Duration::from_secs(60));
    throttle
        .reserve(Some("erin"), "1.1.1.1")
        .await
        .unwrap()
        .failed();
    assert!(throttle.first_refusal_in_window(Some("erin"), "1.1.1.1"));
    assert!(!throttle.first_refusal_in_window(Some("erin"), "2.2.2.2"));
    throttle
        .reserve(Some("frank"), "1.1.1.1")
        .await
        .unwrap()
        .failed();
    assert!(throttle.first_refusal_in_window(Some("frank"), "1.1.1.1"));
}

/// 100k distinct names from 100k distinct addresses: the map never holds
/// more than `MAX_KEYS`, and its memory stays under the stated 12 MiB.
#[tokio::test]
async fn memory_stays_bounded_under_100k_distinct_names_and_addresses() {
    let throttle = LoginThrottle::new(5, 20, Duration::from_secs(300));
    for i in 0..100_000u32 {
        let address = format!("2001:db8:{:x}:{:x}::1", i >> 16, i & 0xffff);
        let name = format!("user-{i}");
        throttle
            .reserve(Some(&name), &address)
            .await
            .unwrap()
            .failed();
        assert!(throttle.tracked() <= MAX_KEYS);
    }
    let entries = throttle.lock();
    let slot = std::mem::size_of::<(Key, Entry)>() + 1;
    let heap: usize = entries.values().map(|e| e.times.capacity() * 4).sum();
    let bytes = entries.capacity() * slot + heap + entries.len() * 16;
    assert!(bytes < 12 << 20, "{bytes} bytes");
    assert!(entries.len() > MAX_KEYS / 4, "recent keys are kept");
}

#[tokio::test]
async fn when_every_tracked_key_is_in_flight_a_new_key_is_busy_and_the_bound_holds() {
    let throttle = LoginThrottle::new(5, 5, Duration::from_secs(60));
    let mut in_flight = Vec::new();
    for n in 0..MAX_KEYS / 2 {
        let address = format!("10.{}.{}.1", n / 256 % 256, n % 256);
        let name = format!("user{n}");
        in_flight.push(throttle.reserve(Some(&name), &address).await.unwrap());
    }
    assert_eq!(throttle.lock().len(), MAX_KEYS);

    let flooded = throttle.reserve(Some("one-more"), "192.0.2.1").await;

    assert!(matches!(flooded, Err(ApiError::Busy)));
    assert_eq!(throttle.lock().len(), MAX_KEYS, "nothing in flight dropped");
    in_flight.pop().expect("an attempt").failed();
    in_flight.truncate(MAX_KEYS / 4);
    assert!(throttle
        .reserve(Some("one-more"), "192.0.2.1")
        .await
        .is_ok());
    assert!(throttle.lock().len() <= MAX_KEYS);
}
