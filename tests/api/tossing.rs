//! Cookie tossing: a request that carries the refresh cookie twice (one planted by another path or
//! a sibling subdomain) uses neither, and every answer clears it at `/user` and at the route's own
//! path.

use reqwest::Response;

use crate::helpers::*;

async fn alice_app() -> (TestApp, Login) {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

/// The victim's own cookie, preceded by a planted one with a more specific path.
fn tossed(planted: &str, own: &str) -> String {
    format!("refresh_token={planted}; refresh_token={own}")
}

/// The paths at which the answer clears the refresh cookie (empty value, `Max-Age=0`).
fn cleared_paths(response: &Response) -> Vec<String> {
    let mut paths: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap())
        .filter(|h| h.starts_with("refresh_token=;") && h.contains("Max-Age=0"))
        .filter_map(|h| {
            h.split(';')
                .find_map(|a| a.trim().strip_prefix("Path=").map(String::from))
        })
        .collect();
    paths.sort();
    paths
}

fn sid(app_login: &Login) -> String {
    claims(&app_login.access_token)["sid"]
        .as_str()
        .unwrap()
        .into()
}

#[tokio::test]
async fn a_refresh_with_the_cookie_twice_uses_neither_and_clears_both_paths() {
    let (app, victim) = alice_app().await;
    let attacker = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .post(app.url("/user/refresh-token"))
        .header("Cookie", tossed(&attacker.cookie, &victim.cookie))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(cleared_paths(&response), ["/user", "/user/refresh-token"]);
    assert_eq!(error_of(response).await.1, "not_found");
    // Neither id was used up: each still rotates on its own.
    app.refresh_ok(&victim.cookie).await;
    app.refresh_ok(&attacker.cookie).await;
}

#[tokio::test]
async fn a_logout_with_the_cookie_twice_is_204_and_ends_nothing() {
    let (app, victim) = alice_app().await;
    let attacker = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .post(app.url("/user/logout"))
        .header("Cookie", tossed(&attacker.cookie, &victim.cookie))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    assert_eq!(cleared_paths(&response), ["/user", "/user/logout"]);
    assert_eq!(app.me(&victim.access_token).await.status(), 200);
    assert_eq!(app.me(&attacker.access_token).await.status(), 200);
}

#[tokio::test]
async fn a_login_with_the_cookie_twice_ignores_both_and_starts_a_new_session() {
    let (app, victim) = alice_app().await;
    let attacker = app.login_ok("alice", "alice-password").await;

    let response = app
        .client
        .post(app.url("/user/token"))
        .header("Cookie", tossed(&attacker.cookie, &victim.cookie))
        .form(&[("username", "alice"), ("password", "alice-password")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        cleared_paths(&response),
        ["/user/token"],
        "at /user the new session's cookie replaces it"
    );
    let fresh = login_from(response).await;
    assert_ne!(sid(&fresh), sid(&victim));
    assert_ne!(sid(&fresh), sid(&attacker));
    app.refresh_ok(&victim.cookie).await;
    app.refresh_ok(&attacker.cookie).await;
}

#[tokio::test]
async fn a_failed_login_with_the_cookie_twice_clears_both_paths() {
    let (app, victim) = alice_app().await;

    let response = app
        .client
        .post(app.url("/user/token"))
        .header("Cookie", tossed(&victim.cookie, &victim.cookie))
        .form(&[("username", "alice"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    assert_eq!(cleared_paths(&response), ["/user", "/user/token"]);
}

#[tokio::test]
async fn the_cookie_once_among_other_cookies_still_refreshes() {
    let (app, victim) = alice_app().await;

    let response = app
        .client
        .post(app.url("/user/refresh-token"))
        .header(
            "Cookie",
            format!(
                "theme=dark; refresh_token={}; other_refresh_token=x",
                victim.cookie
            ),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
}
