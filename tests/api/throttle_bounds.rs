//! The throttle's edges: the limit is exact under parallel guesses, a name no user can have costs
//! no hash and no per-name counter, IPv6 counts per /64, and a flood of refusals writes one audit
//! row.

use std::time::{Duration, Instant};

use latchkey::store::AuditQuery;
use tokio::task::JoinSet;

use crate::helpers::*;
use crate::metrics::{login_count, scrape};

async fn wrong_login_from(app: &TestApp, username: &str, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/user/token"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("username", username), ("password", "wrong-password")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn fourteen_parallel_wrong_logins_with_a_limit_of_5_get_exactly_5_answers_of_401() {
    let app = spawn_app_with(&["--login-max-failures", "5"]).await;
    app.add_user("heidi", "heidi-password", false);
    let mut guesses = JoinSet::new();
    for _ in 0..14 {
        let (client, url) = (app.client.clone(), app.url("/user/token"));
        guesses.spawn(async move {
            let form = [("username", "heidi"), ("password", "wrong-password")];
            let response = client.post(url).form(&form).send().await.unwrap();
            let retry_after = response.headers().contains_key("retry-after");
            (response.status().as_u16(), retry_after)
        });
    }

    let answers = guesses.join_all().await;
    let checked = answers.iter().filter(|(s, _)| *s == 401).count();
    let throttled: Vec<_> = answers.iter().filter(|(s, _)| *s == 429).collect();
    let slots = app.config.hash_slots;
    assert_eq!(checked, 5, "{answers:?} with {slots} hash slots");
    assert_eq!(throttled.len(), 9, "{answers:?}");
    assert!(throttled.iter().all(|(_, retry_after)| *retry_after));
}

#[tokio::test]
async fn fourteen_parallel_right_logins_with_a_limit_of_5_all_get_in() {
    let app = spawn_app_with(&["--login-max-failures", "5"]).await;
    app.add_user("ivan", "ivan-password", false);

    let logins = (0..14).map(|_| {
        let form = [("username", "ivan"), ("password", "ivan-password")];
        app.client.post(app.url("/user/token")).form(&form).send()
    });
    let answers = futures_util::future::join_all(logins).await;

    let statuses: Vec<u16> = answers
        .iter()
        .map(|r| r.as_ref().unwrap().status().as_u16())
        .collect();
    assert_eq!(statuses, [200; 14], "attempts in flight are no failures");
}

#[tokio::test]
async fn a_name_no_user_can_have_has_no_counter_of_its_own_and_counts_for_the_address() {
    let app = spawn_app_with(&[
        "--login-max-failures",
        "1",
        "--login-max-failures-per-address",
        "3",
    ])
    .await;
    app.add_user("ivan", "ivan-password", false);
    let huge = "x".repeat(10_000);
    let with_nul = "ivan\u{0}";

    // A per-name limit of 1 would refuse the second try of the same name.
    for name in [huge.as_str(), huge.as_str(), with_nul] {
        let response = app.login(name, "wrong-password").await;
        assert_eq!(error_of(response).await.1, "invalid_credentials");
    }
    let response = app.login("ivan", "ivan-password").await;
    assert_eq!(
        response.status(),
        429,
        "the address has used its 3 failures"
    );
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_slash_64() {
    let app = spawn_app_with(&[
        "--login-max-failures-per-address",
        "2",
        "--trust-proxy",
        "true",
    ])
    .await;

    assert_eq!(wrong_login_from(&app, "u1", "2001:db8:7:7::1").await, 401);
    assert_eq!(wrong_login_from(&app, "u2", "2001:db8:7:7::2").await, 401);
    let same_64 = wrong_login_from(&app, "u3", "2001:db8:7:7:ffff::3").await;
    let next_64 = wrong_login_from(&app, "u4", "2001:db8:7:8::1").await;

    assert_eq!(same_64, 429, "one /64 is one client");
    assert_eq!(next_64, 401);
}

#[tokio::test]
async fn a_flood_of_refused_logins_writes_one_audit_row_per_window() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0", "--login-max-failures", "1"]).await;
    app.add_user("judy", "judy-password", false);
    assert_eq!(app.login("judy", "wrong-password").await.status(), 401);
    for _ in 0..30 {
        assert_eq!(app.login("judy", "wrong-password").await.status(), 429);
    }
    // Events land in order: once this one is written, the flood's are too.
    app.login_ok("admin", ADMIN_PASSWORD).await;
    let count = |event: &str, user: &str| -> u64 {
        let query = AuditQuery {
            event: Some(event.into()),
            username: Some(user.into()),
            ..AuditQuery::default()
        };
        app.with_store(|store| store.query_audit(&query)).unwrap().1
    };
    let started = Instant::now();
    while count("login_ok", "admin") == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(count("login_failed", "judy"), 1);
    assert_eq!(count("login_throttled", "judy"), 1);
    let throttled = login_count(&scrape(&app).await, "throttled");
    assert_eq!(throttled, 30.0, "every refusal is counted");
}
