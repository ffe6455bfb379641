use crate::helpers::*;

const FOREIGN: &str = "https://evil.example";

async fn refresh_from(app: &TestApp, cookie: &str, origin: &str) -> reqwest::Response {
    app.client
        .post(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={cookie}"))
        .header("Origin", origin)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_refresh_from_a_foreign_origin_is_403_and_does_not_use_up_the_cookie() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = refresh_from(&app, &login.cookie, FOREIGN).await;

    assert_eq!(response.status(), 403);
    assert!(set_cookie(response.headers()).is_none());
    assert_eq!(error_of(response).await.1, "forbidden");
    app.refresh_ok(&login.cookie).await;
}

#[tokio::test]
async fn a_cross_site_fetch_without_an_origin_is_403() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .get(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={}", login.cookie))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    app.refresh_ok(&login.cookie).await;
}

#[tokio::test]
async fn a_refresh_from_the_same_origin_is_allowed() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let own_origin = format!("http://127.0.0.1:{}", app.port);

    let response = refresh_from(&app, &login.cookie, &own_origin).await;

    assert_eq!(response.status(), 200);
    assert!(set_cookie(response.headers()).is_some());
}

#[tokio::test]
async fn a_refresh_from_a_configured_cors_origin_is_allowed() {
    let app = spawn_app_with(&["--cors-origin", "https://admin.example.com"]).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = refresh_from(&app, &login.cookie, "https://admin.example.com").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://admin.example.com"
    );
    assert_eq!(
        refresh_from(&app, &login.cookie, FOREIGN).await.status(),
        403,
        "only that origin"
    );
}

#[tokio::test]
async fn origins_written_with_their_default_port_or_in_capitals_are_the_same_origin() {
    let app = spawn_app_with(&[
        "--public-url",
        "https://Auth.Example.com:443",
        "--cors-origin",
        "http://admin.example.com:80",
    ])
    .await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let own = refresh_from(&app, &login.cookie, "https://auth.example.com").await;
    let next = login_from(own).await.cookie;
    let listed = refresh_from(&app, &next, "http://admin.example.com").await;

    assert_eq!(listed.status(), 200);
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "http://admin.example.com"
    );
    let next = login_from(listed).await.cookie;
    let other_port = refresh_from(&app, &next, "https://auth.example.com:8443").await;
    assert_eq!(other_port.status(), 403, "another port is another origin");
}

#[tokio::test]
async fn a_logout_from_a_foreign_origin_is_403_and_the_session_lives_on() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .post(app.url("/user/logout"))
        .header("Cookie", format!("refresh_token={}", login.cookie))
        .header("Origin", FOREIGN)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert!(
        set_cookie(response.headers()).is_none(),
        "the cookie is not cleared"
    );
    app.refresh_ok(&login.cookie).await;
}

#[tokio::test]
async fn a_login_from_a_foreign_origin_carrying_the_cookie_is_403() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .post(app.url("/user/token"))
        .header("Cookie", format!("refresh_token={}", login.cookie))
        .header("Origin", FOREIGN)
        .form(&[("username", "alice"), ("password", "alice-password")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    app.refresh_ok(&login.cookie).await;
}

/// A refresh with `Origin` and, when given, an `X-Forwarded-Proto`.
async fn refresh_proto(app: &TestApp, cookie: &str, origin: &str, proto: Option<&str>) -> u16 {
    let mut request = app
        .client
        .post(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={cookie}"))
        .header("Origin", origin);
    if let Some(proto) = proto {
        request = request.header("X-Forwarded-Proto", proto);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_same_host_under_another_scheme_is_another_origin() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let https = format!("https://127.0.0.1:{}", app.port);

    let refused = refresh_proto(&app, &login.cookie, &https, None).await;
    let untrusted = refresh_proto(&app, &login.cookie, &https, Some("https")).await;

    assert_eq!(refused, 403, "the request came in on http");
    assert_eq!(
        untrusted, 403,
        "X-Forwarded-Proto counts only with --trust-proxy"
    );
    app.refresh_ok(&login.cookie).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_scheme_is_the_requests() {
    let app = spawn_app_with(&["--trust-proxy", "true"]).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let (https, http) = (
        format!("https://127.0.0.1:{}", app.port),
        format!("http://127.0.0.1:{}", app.port),
    );

    let plain = refresh_proto(&app, &login.cookie, &http, Some("https")).await;
    let allowed = refresh_proto(&app, &login.cookie, &https, Some("https")).await;

    assert_eq!(plain, 403, "the proxy says the request came in on https");
    assert_eq!(allowed, 200);
}
