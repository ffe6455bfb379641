//! The audit trail over HTTP: each security event of the API lands with who, from where and why,
//! and `GET /admin/audit` pages and filters it for admins.

use std::time::{Duration, Instant};

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::openapi::assert_documented;

/// (event, username) of each event the API run below causes.
const API_EVENTS: [(&str, &str); 16] = [
    ("login_ok", "admin"),
    ("login_failed", "mallory"),
    ("login_throttled", "mallory"),
    ("login_ok", "bob"),
    ("refresh_reuse_detected", "bob"),
    ("session_ended", "bob"),
    ("password_change_failed", "bob"),
    ("password_changed", "bob"),
    ("logout", "bob"),
    ("logout_all", "bob"),
    ("user_created", "carol"),
    ("user_disabled", "carol"),
    ("user_enabled", "carol"),
    ("user_role_changed", "carol"),
    ("password_changed", "carol"),
    ("user_deleted", "carol"),
];

/// `GET /admin/audit` with `query`, as the admin with `token`.
async fn audit_page(app: &TestApp, token: &str, query: &str) -> Response {
    app.get_with_token(&format!("/admin/audit?{query}"), token)
        .await
}

/// The events (newest first) once `ready` holds for them; events are
/// written by a background thread, so they land a moment after the answer.
pub(crate) async fn events_when(
    app: &TestApp,
    token: &str,
    ready: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let page = audit_page(app, token, "_end=1000").await;
        assert_eq!(page.status(), 200);
        let events: Vec<Value> = page.json().await.unwrap();
        if ready(&events) {
            return events;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "events never arrived: {events:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn find<'a>(events: &'a [Value], event: &str, username: &str) -> Option<&'a Value> {
    events
        .iter()
        .find(|e| e["event"] == event && e["username"] == username)
}

fn has_all(events: &[Value], expected: &[(&str, &str)]) -> bool {
    expected.iter().all(|(e, u)| find(events, e, u).is_some())
}

async fn send(request: reqwest::RequestBuilder, status: u16) -> Response {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status);
    response
}

/// Logins (ok, failed, throttled), reuse, sessions and password changes of bob.
async fn user_events(app: &TestApp) -> String {
    let failed = app
        .client
        .post(app.url("/user/token"))
        .header("User-Agent", "audit-test/1.0")
        .form(&[("username", "mallory"), ("password", "not-the-password")]);
    let failed = send(failed, 401).await;
    assert_eq!(app.login("mallory", "not-the-password").await.status(), 401);
    assert_eq!(app.login("mallory", "not-the-password").await.status(), 429);
    let first = app.login_ok("bob", "bob-password").await;
    app.refresh_ok(&first.cookie).await;
    assert_eq!(
        error_of(app.refresh(&first.cookie).await).await.1,
        "reuse_detected"
    );
    let one = app.login_ok("bob", "bob-password").await;
    let two = app.login_ok("bob", "bob-password").await;
    let sid = claims(&two.access_token)["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let end = app.client.delete(app.url(&format!("/user/sessions/{sid}")));
    send(end.bearer_auth(&one.access_token), 204).await;
    let change = |current: &str| {
        let body = json!({"current_password": current, "new_password": "bob-password-2"});
        let request = app.client.post(app.url("/user/password"));
        request.bearer_auth(&one.access_token).json(&body)
    };
    send(change("wrong-password"), 400).await;
    send(change("bob-password"), 204).await;
    assert_eq!(app.logout(&one.cookie).await.status(), 204);
    let last = app.login_ok("bob", "bob-password-2").await;
    let all = app.client.post(app.url("/user/logout-all"));
    send(all.bearer_auth(&last.access_token), 204).await;
    failed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string()
}

/// The admin creates, disables, enables, promotes, sets the password of and deletes carol.
async fn admin_events(app: &TestApp, token: &str) {
    let create = app.client.post(app.url("/admin/users")).bearer_auth(token);
    let body = json!({"username": "carol", "password": "carol-password"});
    send(create.json(&body), 201).await;
    for change in [
        json!({"disabled": true}),
        json!({"disabled": false}),
        json!({"admin": true}),
        json!({"password": "carol-password-2"}),
    ] {
        let patch = app.client.patch(app.url("/admin/users/carol"));
        send(patch.bearer_auth(token).json(&change), 200).await;
    }
    let delete = app.client.delete(app.url("/admin/users/carol"));
    send(delete.bearer_auth(token), 200).await;
}

#[tokio::test]
async fn every_security_event_of_the_api_lands_in_the_audit_trail() {
    let app = spawn_app_with(&["--login-max-failures", "2", "--reuse-grace", "0s"]).await;
    app.add_user("bob", "bob-password", false);
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;

    let failed_id = user_events(&app).await;
    admin_events(&app, &admin.access_token).await;

    let events = events_when(&app, &admin.access_token, |e| has_all(e, &API_EVENTS)).await;

    let failed = events
        .iter()
        .find(|e| e["request_id"] == failed_id.as_str());
    let failed = failed.expect("the event carries the request's id");
    assert_eq!(
        (&failed["event"], &failed["username"]),
        (&json!("login_failed"), &json!("mallory"))
    );
    assert_eq!(failed["reason"], "invalid_credentials");
    assert_eq!(failed["address"], "127.0.0.1");
    assert_eq!(failed["user_agent"], "audit-test/1.0");
    assert_eq!(
        find(&events, "login_throttled", "mallory").unwrap()["reason"],
        "throttled"
    );
    assert_eq!(
        find(&events, "password_changed", "bob").unwrap()["reason"],
        "self"
    );
    let by_admin = find(&events, "user_disabled", "carol").unwrap();
    assert_eq!(
        (&by_admin["actor"], &by_admin["reason"]),
        (&json!("admin"), &json!("admin_api"))
    );
    let promoted = find(&events, "user_role_changed", "carol").unwrap();
    assert_eq!(promoted["reason"], "admin_granted");
    let at = events[0]["at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
}

#[tokio::test]
async fn the_audit_list_pages_and_filters_like_the_users_list() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    for _ in 0..2 {
        assert_eq!(app.login("bob", "wrong-password").await.status(), 401);
    }
    app.login_ok("admin", ADMIN_PASSWORD).await;
    let token = app.login_ok("admin", ADMIN_PASSWORD).await.access_token;
    events_when(&app, &token, |e| e.len() == 4).await;

    let doc = crate::openapi::document(&app).await;
    let page = audit_page(&app, &token, "_start=1&_end=3").await;
    assert_eq!(page.headers()["x-total-count"], "4");
    let page = assert_documented(&doc, "get", "/admin/audit", page).await;
    let page = page.as_array().unwrap();
    let newest_first = audit_page(&app, &token, "")
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap();
    let oldest_first = audit_page(&app, &token, "_sort=id&_order=ASC").await;
    let oldest_first: Vec<Value> = oldest_first.json().await.unwrap();
    let filtered = audit_page(&app, &token, "username=BOB&event=login_failed").await;
    let since_then = audit_page(&app, &token, "since=2000-01-01T00:00:00Z").await;
    let since_later = audit_page(&app, &token, "since=2999-01-01T00:00:00Z").await;

    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], newest_first[1]["id"]);
    assert!(newest_first[0]["id"].as_i64() > newest_first[1]["id"].as_i64());
    assert_eq!(oldest_first[0]["id"], newest_first[3]["id"]);
    assert_eq!(filtered.headers()["x-total-count"], "2");
    assert_eq!(since_then.headers()["x-total-count"], "4");
    assert_eq!(since_later.headers()["x-total-count"], "0");
    for bad in [
        "bogus=1",
        "event=nope",
        "_end=-1",
        "_order=sideways",
        "since=yesterday",
    ] {
        let refused = audit_page(&app, &token, bad).await;
        let body = assert_documented(&doc, "get", "/admin/audit", refused).await;
        assert_eq!(body["code"], "invalid_request", "{bad}");
    }
}

#[tokio::test]
async fn only_admins_read_the_audit_trail() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;

    let as_user = audit_page(&app, &bob.access_token, "").await;
    let anonymous = app
        .client
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap();

    assert_eq!(as_user.status(), 403);
    assert_eq!(anonymous.status(), 401);
}
