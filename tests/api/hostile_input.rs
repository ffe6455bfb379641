//! What a client sends that latchkey must not believe: a forged `X-Forwarded-For` line or address
//! behind a trusted proxy, and a body without a `Content-Type`.

use crate::helpers::*;

/// Logs alice in with these `X-Forwarded-For` lines; returns the `sessions.ip` stored.
async fn stored_ip(app: &TestApp, forwarded_lines: &[&str]) -> String {
    let mut request = app
        .client
        .post(app.url("/user/token"))
        .form(&[("username", "alice"), ("password", "alice-password")]);
    for line in forwarded_lines {
        request = request.header("X-Forwarded-For", *line);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let sid = claims(&login_from(response).await.access_token)["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let session = app.with_store(|store| store.session_with_user(&sid, None));
    session
        .unwrap()
        .expect("the session")
        .0
        .ip
        .expect("an address")
}

async fn proxied_app() -> TestApp {
    let app = spawn_app_with(&["--trust-proxy", "true"]).await;
    app.add_user("alice", "alice-password", false);
    app
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_last_address_of_the_last_forwarded_line() {
    let app = proxied_app().await;

    // The client sent a line of its own; the proxy appended the real one.
    let ip = stored_ip(&app, &["6.6.6.6", "10.9.9.9, 198.51.100.9"]).await;

    assert_eq!(ip, "198.51.100.9");
    assert_eq!(stored_ip(&app, &[" 2001:db8::7 "]).await, "2001:db8::7");
}

#[tokio::test]
async fn a_forwarded_value_that_is_no_ip_address_means_the_peer() {
    let app = proxied_app().await;
    let junk = "x".repeat(3000);

    assert_eq!(stored_ip(&app, &[&junk]).await, "127.0.0.1");
    assert_eq!(
        stored_ip(&app, &["198.51.100.9, 1.2.3.4.5"]).await,
        "127.0.0.1"
    );
    assert_eq!(stored_ip(&app, &["198.51.100.9, "]).await, "127.0.0.1");
}

#[tokio::test]
async fn without_trust_proxy_a_forwarded_line_is_ignored() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    assert_eq!(stored_ip(&app, &["198.51.100.9"]).await, "127.0.0.1");
}

#[tokio::test]
async fn a_login_body_without_a_content_type_is_415_and_never_read_as_a_form() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let response = app
        .client
        .post(app.url("/user/token"))
        .body("username=alice&password=alice-password")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 415);
    assert_eq!(error_of(response).await.1, "unsupported_media_type");
    let live = app.with_store(|store| store.count_live_sessions(latchkey::clock::now_ms()));
    assert_eq!(live.unwrap(), 0, "no session was started");
}

#[tokio::test]
async fn a_bare_post_without_body_or_type_is_still_422() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/user/token"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn bearer_body_routes_refuse_an_untyped_body_too() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let untyped = |method: reqwest::Method, path: &str, body: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&admin.access_token)
            .body(body.to_string())
    };

    let password = untyped(
        reqwest::Method::POST,
        "/user/password",
        r#"{"current_password":"admin-password-1","new_password":"another-password-2"}"#,
    );
    let create = untyped(
        reqwest::Method::POST,
        "/admin/users",
        "username=bob&password=bob-password-1",
    );
    let wrong_type = untyped(reqwest::Method::POST, "/admin/users", "username=bob")
        .header("Content-Type", "text/plain");

    for request in [password, create, wrong_type] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415);
        assert_eq!(error_of(response).await.1, "unsupported_media_type");
    }
    assert_eq!(
        app.me(&admin.access_token).await.status(),
        200,
        "password unchanged"
    );
}
