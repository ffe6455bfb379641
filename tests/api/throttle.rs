//! Login throttling: failures per username and per client address in a sliding window; past the
//! limit 429 before any hash, and no lockout past the window.

use std::time::{Duration, Instant};

use reqwest::Response;

use crate::helpers::*;

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds")
}

async fn assert_throttled(response: Response, window_secs: u64) -> u64 {
    assert_eq!(response.status(), 429);
    let wait = retry_after(&response);
    assert!(
        (1..=window_secs + 1).contains(&wait),
        "Retry-After {wait} is within the window"
    );
    let (detail, code) = error_of(response).await;
    assert_eq!(code, "throttled");
    assert!(!detail.is_empty());
    wait
}

async fn login_from_address(app: &TestApp, username: &str, forwarded_for: &str) -> Response {
    app.client
        .post(app.url("/user/token"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("username", username), ("password", "wrong-password")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn past_the_limit_even_the_right_password_waits_until_the_window_has_passed() {
    let app = spawn_app_with(&["--login-max-failures", "3", "--login-window", "2s"]).await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);

    for _ in 0..3 {
        let response = app.login("alice", "wrong-password").await;
        assert_eq!(error_of(response).await.1, "invalid_credentials");
    }
    assert_throttled(app.login("alice", "wrong-password").await, 2).await;
    // The right password too, and a differently cased name is the same name.
    assert_throttled(app.login("alice", "alice-password").await, 2).await;
    let wait = assert_throttled(app.login("ALICE", "alice-password").await, 2).await;
    app.login_ok("bob", "bob-password").await;

    // Refused attempts are not counted, so waiting as told is enough.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    app.login_ok("alice", "alice-password").await;
}

#[tokio::test]
async fn a_successful_login_resets_the_usernames_count() {
    let app = spawn_app_with(&["--login-max-failures", "3"]).await;
    app.add_user("alice", "alice-password", false);

    for _ in 0..2 {
        assert_eq!(app.login("alice", "wrong-password").await.status(), 401);
    }
    app.login_ok("alice", "alice-password").await;
    for _ in 0..2 {
        assert_eq!(app.login("alice", "wrong-password").await.status(), 401);
    }
    app.login_ok("alice", "alice-password").await;
}

#[tokio::test]
async fn an_unknown_username_is_counted_like_a_real_one() {
    let app = spawn_app_with(&["--login-max-failures", "2"]).await;

    for _ in 0..2 {
        let response = app.login("nobody", "wrong-password").await;
        assert_eq!(error_of(response).await.1, "invalid_credentials");
    }

    assert_throttled(app.login("nobody", "wrong-password").await, 300).await;
}

#[tokio::test]
async fn a_throttled_login_never_checks_the_password() {
    let app = spawn_app_with(&["--login-max-failures", "2"]).await;
    // A bcrypt hash is replaced by argon2id whenever its password is checked
    // and right: it staying bcrypt shows the password was never looked at.
    let bcrypt = bcrypt::hash("carol-password", 4).unwrap();
    app.add_user_with_hash("carol", &bcrypt, false);
    for _ in 0..2 {
        assert_eq!(app.login("carol", "wrong-password").await.status(), 401);
    }

    assert_throttled(app.login("carol", "carol-password").await, 300).await;

    let stored = app.user("carol").unwrap().password_hash;
    assert_eq!(stored, bcrypt);
}

/// A ratio within one run, not a wall-clock limit: a 429 costs a small
/// fraction of the cheapest real login (which always pays for one argon2id).
#[tokio::test]
async fn a_throttled_login_answers_far_faster_than_one_that_hashes() {
    let app = spawn_app_with(&["--login-max-failures", "1"]).await;
    app.add_user("dave", "dave-password", false);
    let mut hashing = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        app.login_ok("dave", "dave-password").await;
        hashing.push(started.elapsed());
    }
    assert_eq!(app.login("dave", "wrong-password").await.status(), 401);
    let mut throttled = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let response = app.login("dave", "dave-password").await;
        throttled.push(started.elapsed());
        assert_eq!(response.status(), 429);
    }

    throttled.sort();
    let cheapest_hashing = *hashing.iter().min().unwrap();
    let median_throttled = throttled[throttled.len() / 2];
    assert!(
        median_throttled * 3 < cheapest_hashing,
        "throttled median {median_throttled:?} vs cheapest real login {cheapest_hashing:?}"
    );
}

#[tokio::test]
async fn a_flood_across_many_usernames_from_one_address_is_cut_by_the_address_limit() {
    let app = spawn_app_with(&["--login-max-failures-per-address", "5"]).await;
    app.add_user("erin", "erin-password", false);

    for i in 0..5 {
        let response = app.login(&format!("sprayed-{i}"), "wrong-password").await;
        assert_eq!(error_of(response).await.1, "invalid_credentials");
    }
    assert_throttled(app.login("sprayed-new", "wrong-password").await, 300).await;
    // A right password from that address does not reset the address's count.
    assert_throttled(app.login("erin", "erin-password").await, 300).await;
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_without_trust_proxy() {
    let app = spawn_app_with(&["--login-max-failures-per-address", "2"]).await;
    app.add_user("frank", "frank-password", false);

    for i in 0..2 {
        let response = login_from_address(&app, &format!("u{i}"), &format!("10.0.0.{i}")).await;
        assert_eq!(response.status(), 401);
    }
    let response = login_from_address(&app, "u9", "10.0.0.9").await;
    assert_throttled(response, 300).await;
}

#[tokio::test]
async fn with_trust_proxy_the_last_x_forwarded_for_hop_is_the_client_address() {
    let app = spawn_app_with(&[
        "--login-max-failures-per-address",
        "2",
        "--trust-proxy",
        "true",
    ])
    .await;
    app.add_user("grace", "grace-password", false);

    // The client may prepend anything; only the proxy's own hop counts.
    for i in 0..2 {
        let response =
            login_from_address(&app, &format!("u{i}"), &format!("1.1.1.{i}, 10.0.0.1")).await;
        assert_eq!(response.status(), 401);
    }
    let response = login_from_address(&app, "u9", "1.1.1.9, 10.0.0.1").await;
    assert_throttled(response, 300).await;
    let response = login_from_address(&app, "u9", "10.0.0.1, 10.0.0.2").await;
    assert_eq!(
        response.status(),
        401,
        "another client behind the proxy is not blocked"
    );

    let response = app
        .client
        .post(app.url("/user/token"))
        .header("X-Forwarded-For", "203.0.113.7, 10.0.0.3")
        .form(&[("username", "grace"), ("password", "grace-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let grace = app.user("grace").unwrap();
    let now = latchkey::clock::now_ms();
    let sessions = app.with_store(|store| store.live_sessions(grace.id, now));
    let ips: Vec<_> = sessions.unwrap().into_iter().map(|s| s.ip).collect();
    assert_eq!(ips, [Some("10.0.0.3".to_string())]);
}
