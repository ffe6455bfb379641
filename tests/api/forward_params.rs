//! `/auth/verify` takes only its documented parameters (`admin`, `group`, `redirect`): any other,
//! a differently cased or bracketed one included, is 422, never a 200 that ignores it. `?group=`
//! passes only members (see forward_groups.rs), and an `OPTIONS` is never answered as a CORS
//! preflight.

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

async fn alice(app: &TestApp) -> String {
    app.add_user("alice", "alice-password", false);
    app.login_ok("alice", "alice-password").await.access_token
}

#[tokio::test]
async fn an_unknown_or_misspelt_parameter_is_422_never_a_pass() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    for query in [
        "?Admin=true",
        "?ADMIN=true",
        "?admin[]=true",
        "?is_admin=true",
        "?groups=ops",
        "?admin=true&admin=false",
        "?redirect=yes",
        "?group=",
        "?group=Ops",
        "?group=-ops",
    ] {
        let response = verify(&app, Method::GET, query, Some(&token)).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(error_of(response).await.1, "invalid_request", "{query}");
    }
}

#[tokio::test]
async fn the_documented_parameters_are_taken() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    for query in [
        "?admin=false",
        "?redirect=true",
        "?redirect=false&admin=false",
    ] {
        let response = verify(&app, Method::GET, query, Some(&token)).await;
        assert_eq!(response.status(), 200, "{query}");
    }
}

#[tokio::test]
async fn a_group_location_is_403_for_callers_in_none_of_its_groups() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    let admin = admin_token(&app).await;
    for query in [
        "?group=ops",
        "?group=ops&group=dev-team",
        "?admin=true&group=ops",
    ] {
        for caller in [&token, &admin] {
            let response = verify(&app, Method::GET, query, Some(caller)).await;
            assert_eq!(response.status(), 403, "{query}");
            assert_eq!(error_of(response).await.1, "forbidden");
        }
    }
    let anonymous = verify(&app, Method::GET, "?group=ops", None).await;
    assert_eq!(anonymous.status(), 401, "no credential is 401 first");
}

#[tokio::test]
async fn an_anonymous_options_from_a_configured_origin_is_401_not_a_preflight() {
    let app = spawn_app_with(&["--cors-origin", "https://app.example"]).await;
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/auth/verify"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}
