//! `/auth/verify`: forward auth answers as `/user/me` checks, with the caller in `X-Auth-*`
//! headers, 403 for non-admins on `?admin=true`, and never the refresh cookie.

use reqwest::{Method, Response};

use crate::bearer::admin_token;
use crate::helpers::*;

async fn verify(app: &TestApp, method: Method, query: &str, token: Option<&str>) -> Response {
    let mut request = app
        .client
        .request(method, app.url(&format!("/auth/verify{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request sent")
}

async fn alice() -> (TestApp, Login) {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

async fn assert_unauthorized(response: Response) {
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_of(response).await.1, "invalid_token");
}

#[tokio::test]
async fn a_valid_token_passes_with_the_caller_in_headers_and_an_empty_body() {
    let (app, login) = alice().await;
    let sid = crate::bearer::sid_of(&login.access_token);

    let response = verify(&app, Method::GET, "", Some(&login.access_token)).await;

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["x-auth-user"], "alice");
    assert_eq!(headers["x-auth-admin"], "false");
    assert_eq!(headers["x-auth-session"], sid.as_str());
    assert_eq!(headers["x-auth-email"], "alice@example.com");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.get("set-cookie").is_none());
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_method_a_proxy_may_forward_is_answered() {
    let (app, login) = alice().await;
    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = verify(&app, method.clone(), "", Some(&login.access_token)).await;
        assert_eq!(response.status(), 200, "{method}");
        assert_eq!(response.headers()["x-auth-user"], "alice", "{method}");
    }
}

#[tokio::test]
async fn a_user_without_email_gets_no_email_header() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;

    let response = verify(&app, Method::GET, "?admin=true", Some(&token)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-auth-admin"], "true");
    assert!(response.headers().get("x-auth-email").is_none());
}

#[tokio::test]
async fn no_token_or_a_bad_one_is_401_even_for_admin_only() {
    let app = spawn_app().await;
    for query in ["", "?admin=true"] {
        assert_unauthorized(verify(&app, Method::GET, query, None).await).await;
        assert_unauthorized(verify(&app, Method::GET, query, Some("not-a-jwt")).await).await;
    }
}

#[tokio::test]
async fn a_non_admin_on_an_admin_only_location_is_403() {
    let (app, login) = alice().await;

    let response = verify(&app, Method::GET, "?admin=true", Some(&login.access_token)).await;

    assert_eq!(response.status(), 403);
    assert_eq!(error_of(response).await.1, "forbidden");
}

#[tokio::test]
async fn logout_all_refuses_the_token_at_once() {
    let (app, login) = alice().await;
    let ended = crate::bearer::send(
        &app,
        Method::POST,
        "/user/logout-all",
        Some(&login.access_token),
        None,
    )
    .await;
    assert!(ended.status().is_success());

    assert_unauthorized(verify(&app, Method::GET, "", Some(&login.access_token)).await).await;
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once() {
    let (app, login) = alice().await;
    let output = app.cli(&["user", "disable", "alice"], "");
    assert!(output.status.success());

    assert_unauthorized(verify(&app, Method::POST, "", Some(&login.access_token)).await).await;
}

#[tokio::test]
async fn the_refresh_cookie_is_neither_read_nor_changed() {
    let (app, login) = alice().await;
    let cookie = format!("{}={}", app.config.cookie_name, login.cookie);

    let with_cookie_only = app
        .client
        .get(app.url("/auth/verify"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_unauthorized(with_cookie_only).await;
    let with_both = app
        .client
        .get(app.url("/auth/verify"))
        .bearer_auth(&login.access_token)
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(with_both.status(), 200);
    assert!(with_both.headers().get("set-cookie").is_none());

    assert_eq!(app.refresh(&login.cookie).await.status(), 200);
}

#[tokio::test]
async fn an_admin_value_other_than_true_or_false_is_refused() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    for query in [
        "?admin=ture",
        "?admin=null&admin=null",
        "?admin=true&admin=false",
    ] {
        let response = verify(&app, Method::GET, query, Some(&token)).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_of(response).await.1, "invalid_request");
    }
    let plain = verify(&app, Method::GET, "?admin=false", Some(&token)).await;
    assert_eq!(plain.status(), 200);
}
