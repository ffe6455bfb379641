use reqwest::Method;
use serde_json::{json, Value};

use crate::bearer::*;
use crate::helpers::*;

/// Every admin route, with a body that would succeed for an admin.
fn routes() -> Vec<(Method, &'static str, Option<Value>, u16)> {
    vec![
        (Method::GET, "/admin/users", None, 200),
        (
            Method::POST,
            "/admin/users",
            Some(json!({"username": "carol", "password": "carol-password"})),
            201,
        ),
        (Method::GET, "/admin/users/bob", None, 200),
        (
            Method::PUT,
            "/admin/users/bob",
            Some(json!({"full_name": "Bob Put"})),
            200,
        ),
        (
            Method::PATCH,
            "/admin/users/bob",
            Some(json!({"full_name": "Bob Patch"})),
            200,
        ),
        (Method::GET, "/admin/users/bob/sessions", None, 200),
        (
            Method::DELETE,
            "/admin/users/bob/sessions/00000000000000000000000000000000",
            None,
            404,
        ),
        (Method::GET, "/admin/audit/hourly", None, 200),
        (Method::GET, "/admin/keys", None, 200),
        (Method::DELETE, "/admin/users/bob", None, 200),
    ]
}

#[tokio::test]
async fn every_admin_route_refuses_a_caller_without_a_token_with_401() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    for (method, path, body, _) in routes() {
        let response = send(&app, method.clone(), path, None, body).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(error_of(response).await.1, "invalid_token");
    }
    assert!(app.user("carol").is_none());
    assert!(app.user("bob").is_some());
}

#[tokio::test]
async fn every_admin_route_refuses_a_non_admin_with_403() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = app.login_ok("bob", "bob-password").await.access_token;
    for (method, path, body, _) in routes() {
        let response = send(&app, method.clone(), path, Some(&token), body).await;
        assert_eq!(response.status(), 403, "{method} {path}");
        assert_eq!(
            error_of(response).await,
            ("Admin role required".into(), "forbidden".into())
        );
    }
    let bob = app.user("bob").expect("bob is still there");
    assert_eq!(bob.full_name.as_deref(), Some("bob Example"));
    assert!(app.user("carol").is_none());
}

#[tokio::test]
async fn every_admin_route_serves_an_admin() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    for (method, path, body, status) in routes() {
        let response = send(&app, method.clone(), path, Some(&token), body).await;
        assert_eq!(response.status(), status, "{method} {path}");
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    assert!(app.user("carol").is_some());
    assert!(app.user("bob").is_none());
}

#[tokio::test]
async fn a_demoted_admins_token_is_refused_at_once() {
    let app = spawn_app().await;
    app.add_user("second", "second-password", true);
    let second = app.login_ok("second", "second-password").await;
    let admin = admin_token(&app).await;

    let demoted = send(
        &app,
        Method::PATCH,
        "/admin/users/second",
        Some(&admin),
        Some(json!({"admin": false})),
    )
    .await;

    assert_eq!(demoted.status(), 200);
    let response = app
        .get_with_token("/admin/users", &second.access_token)
        .await;
    assert_eq!(response.status(), 401, "demoting ends the user's sessions");
    assert_eq!(app.refresh(&second.cookie).await.status(), 401);
    let again = app.login_ok("second", "second-password").await;
    let response = app
        .get_with_token("/admin/users", &again.access_token)
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn wrong_methods_on_admin_routes_are_json_405() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    for (method, path) in [
        (Method::DELETE, "/admin/users"),
        (Method::POST, "/admin/users/admin"),
    ] {
        let response = send(&app, method, path, Some(&token), None).await;
        assert_eq!(response.status(), 405);
        assert_eq!(error_of(response).await.1, "method_not_allowed");
    }
}
