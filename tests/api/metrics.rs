//! `/metrics` on its own listener: login and refresh outcomes, live sessions, hashing slots and
//! per-route latency move as a scripted run expects.

use crate::helpers::*;

/// The metrics text of the app's `/metrics` listener.
pub async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("started with --metrics-bind");
    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    response.text().await.unwrap()
}

/// The value of the sample `series` (name with labels), e.g.
/// `latchkey_logins_total{outcome="success"}`.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .parse()
        .unwrap()
}

pub fn login_count(text: &str, outcome: &str) -> f64 {
    sample(
        text,
        &format!("latchkey_logins_total{{outcome=\"{outcome}\"}}"),
    )
}

fn refresh_count(text: &str, outcome: &str) -> f64 {
    sample(
        text,
        &format!("latchkey_refreshes_total{{outcome=\"{outcome}\"}}"),
    )
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_not_on_the_public_port() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    let plain = spawn_app().await;

    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = scrape(&app).await;

    assert_eq!(public.status(), 404);
    assert_eq!(plain.metrics_port, None, "off unless --metrics-bind is set");
    for family in [
        "# TYPE latchkey_logins_total counter",
        "# TYPE latchkey_refreshes_total counter",
        "# TYPE latchkey_live_sessions gauge",
        "# TYPE latchkey_hash_slots_in_use gauge",
        "# TYPE latchkey_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(family), "{family} missing from\n{text}");
    }
    assert_eq!(sample(&text, "latchkey_hash_slots_in_use"), 0.0);
}

#[tokio::test]
async fn login_outcomes_are_counted() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0", "--login-max-failures", "2"]).await;
    app.add_user("alice", "alice-password", false);

    app.login_ok("alice", "alice-password").await;
    for _ in 0..2 {
        assert_eq!(app.login("alice", "wrong-password").await.status(), 401);
    }
    assert_eq!(app.login("alice", "alice-password").await.status(), 429);
    assert_eq!(app.login("nobody", "whatever-pw").await.status(), 401);

    let text = scrape(&app).await;
    assert_eq!(login_count(&text, "success"), 1.0);
    assert_eq!(login_count(&text, "bad_credentials"), 3.0);
    assert_eq!(login_count(&text, "throttled"), 1.0);
    assert_eq!(login_count(&text, "busy"), 0.0);
}

#[tokio::test]
async fn refresh_outcomes_and_live_sessions_are_counted() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    app.add_user("alice", "alice-password", false);
    let first = app.login_ok("alice", "alice-password").await;
    let other = app.login_ok("alice", "alice-password").await;
    assert_eq!(sample(&scrape(&app).await, "latchkey_live_sessions"), 2.0);

    let rotated = app.refresh_ok(&first.cookie).await;
    app.refresh_ok(&first.cookie).await; // the old id again, within the grace
    let unknown = app.refresh("not-a-session-id").await;
    let none = app
        .client
        .post(app.url("/user/refresh-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(app.logout(&other.cookie).await.status(), 204);
    let revoked = app.refresh(&other.cookie).await;

    assert_eq!(error_of(unknown).await.1, "not_found");
    assert_eq!(none.status(), 401);
    assert_eq!(error_of(revoked).await.1, "revoked");
    let text = scrape(&app).await;
    assert_eq!(refresh_count(&text, "ok"), 1.0);
    assert_eq!(refresh_count(&text, "grace"), 1.0);
    assert_eq!(refresh_count(&text, "not_found"), 2.0);
    assert_eq!(refresh_count(&text, "revoked"), 1.0);
    assert_eq!(refresh_count(&text, "reuse_detected"), 0.0);
    assert_eq!(sample(&text, "latchkey_live_sessions"), 1.0);
    assert_ne!(rotated.cookie, first.cookie);
}

#[tokio::test]
async fn a_replay_after_the_grace_counts_as_reuse_detected() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0", "--reuse-grace", "0s"]).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    app.refresh_ok(&login.cookie).await;

    let replay = app.refresh(&login.cookie).await;

    assert_eq!(error_of(replay).await.1, "reuse_detected");
    let text = scrape(&app).await;
    assert_eq!(refresh_count(&text, "reuse_detected"), 1.0);
    assert_eq!(sample(&text, "latchkey_live_sessions"), 0.0);
}

#[tokio::test]
async fn request_latency_is_recorded_per_route_template() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    let login = app.login_ok("admin", ADMIN_PASSWORD).await;
    for _ in 0..3 {
        assert_eq!(app.me(&login.access_token).await.status(), 200);
    }
    for id in ["a", "b"] {
        let path = format!("/user/sessions/{id}");
        let response = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&login.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
    app.client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();

    let text = scrape(&app).await;
    let count = |route: &str| {
        sample(
            &text,
            &format!("latchkey_http_request_duration_seconds_count{{route=\"{route}\"}}"),
        )
    };
    assert_eq!(count("/user/me"), 3.0);
    assert_eq!(
        count("/user/sessions/{id}"),
        2.0,
        "the template, not the path"
    );
    assert_eq!(count("unmatched"), 1.0);
    let inf = "latchkey_http_request_duration_seconds_bucket{route=\"/user/me\",le=\"+Inf\"}";
    assert_eq!(sample(&text, inf), 3.0);
    assert!(!text.contains("/no/such/page"));
}
