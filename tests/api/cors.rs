use reqwest::{Method, Response};

use crate::bearer::*;
use crate::helpers::*;

const ALLOWED: &str = "https://admin.example.com";
const FOREIGN: &str = "https://evil.example";

async fn cors_app() -> TestApp {
    spawn_app_with(&["--cors-origin", ALLOWED]).await
}

async fn preflight(app: &TestApp, origin: &str, path: &str) -> Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

fn assert_no_cors_headers(response: &Response) {
    let cors: Vec<_> = response
        .headers()
        .keys()
        .filter(|k| k.as_str().starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "unexpected CORS headers {cors:?}");
}

#[tokio::test]
async fn a_preflight_from_a_configured_origin_is_answered() {
    let app = cors_app().await;

    let response = preflight(&app, ALLOWED, "/admin/users/bob").await;

    assert_eq!(response.status(), 204);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    let methods = header(&response, "access-control-allow-methods").unwrap();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(
            methods.split(", ").any(|m| m == method),
            "{method} in {methods}"
        );
    }
    let headers = header(&response, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    let max_age: u64 = header(&response, "access-control-max-age")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age > 0);
    assert!(header(&response, "vary").unwrap().contains("Origin"));
}

#[tokio::test]
async fn responses_to_a_configured_origin_allow_credentials_and_expose_the_total_count() {
    let app = cors_app().await;
    let token = admin_token(&app).await;

    let response = app
        .client
        .get(app.url("/admin/users?_start=0&_end=5"))
        .bearer_auth(&token)
        .header("Origin", ALLOWED)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        header(&response, "access-control-expose-headers"),
        Some("X-Total-Count")
    );
    assert!(header(&response, "vary").unwrap().contains("Origin"));
    assert_eq!(header(&response, "x-total-count"), Some("1"));
}

#[tokio::test]
async fn an_error_to_a_configured_origin_is_readable_by_its_page() {
    let app = cors_app().await;

    let response = app
        .client
        .get(app.url("/user/me"))
        .header("Origin", ALLOWED)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(ALLOWED)
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let app = cors_app().await;
    let token = admin_token(&app).await;

    let refused_preflight = preflight(&app, FOREIGN, "/admin/users").await;
    let plain = app
        .client
        .get(app.url("/admin/users"))
        .bearer_auth(&token)
        .header("Origin", FOREIGN)
        .send()
        .await
        .unwrap();

    assert_ne!(refused_preflight.status(), 204);
    assert_no_cors_headers(&refused_preflight);
    assert_eq!(
        plain.status(),
        200,
        "CORS is the browser's rule; the server just does not allow it"
    );
    assert_no_cors_headers(&plain);
}

#[tokio::test]
async fn without_configured_origins_nobody_gets_cors_headers() {
    let app = spawn_app().await;
    let same_host = format!("http://127.0.0.1:{}", app.port);

    for origin in [ALLOWED, same_host.as_str()] {
        let response = preflight(&app, origin, "/user/me").await;
        assert_no_cors_headers(&response);
        let response = app
            .client
            .get(app.url("/healthz"))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_no_cors_headers(&response);
    }
}
