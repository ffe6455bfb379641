//! Forward auth with the portal cookie: who it names (groups read now, a second factor counted),
//! forged and expired cookies refused without a 500, a bad Bearer header never falling through to
//! the cookie, `?redirect=true` for browsers only, and the JSON API closed to the cookie.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn the_portal_cookie_passes_forward_auth_with_the_callers_headers() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let added = app.cli(&["user", "groups", "alice", "--add", "ops"], "");
    assert!(added.status.success());

    let response = verify(&app, &cookie).await;

    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["x-auth-user"], "alice");
    assert_eq!(headers["x-auth-admin"], "false");
    assert_eq!(
        headers["x-auth-groups"], "ops",
        "groups are read on every check"
    );
    assert_eq!(headers["x-auth-email"], "alice@example.com");
    assert_eq!(headers["x-auth-session"].len(), 32);
    assert_eq!(headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_forged_or_expired_portal_cookie_is_401_never_500() {
    let app = portal_app(&["--refresh-ttl", "1s"]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    assert_eq!(verify(&app, &cookie).await.status(), 200);

    for forged in [
        "x",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%00%ff",
        &cookie[1..],
    ] {
        assert_eq!(verify(&app, forged).await.status(), 401, "{forged}");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = verify(&app, &cookie).await;
    assert_eq!(expired.status(), 401);
    assert_eq!(error_of(expired).await.1, "invalid_token");
}

#[tokio::test]
async fn a_bad_bearer_header_is_401_even_beside_a_good_portal_cookie() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;

    let response = app
        .client
        .get(app.url("/auth/verify"))
        .bearer_auth("not-a-token")
        .header("Cookie", format!("latchkey_portal={cookie}"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
}

/// Forward auth as Traefik or Caddy ask it for `method` with `accept`.
async fn forwarded(app: &TestApp, query: &str, method: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/auth/verify{query}")))
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "app.example.test")
        .header("X-Forwarded-Uri", "/reports?month=3")
        .header("X-Forwarded-Method", method)
        .header("Accept", accept)
        .send()
        .await
        .unwrap()
}

const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

#[tokio::test]
async fn redirect_true_sends_a_browser_to_the_portal_with_the_original_url_as_rd() {
    let app = portal_app(&[]).await;

    let response = forwarded(&app, "?redirect=true", "GET", BROWSER).await;

    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://auth.example.test/login?rd=https%3A%2F%2Fapp%2Eexample%2Etest%2Freports%3Fmonth%3D3"
    );
    let rd = response.headers()["location"]
        .to_str()
        .unwrap()
        .split_once("rd=")
        .unwrap()
        .1;
    let decoded = percent_encoding::percent_decode_str(rd)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, TOOL_PAGE);
}

#[tokio::test]
async fn redirect_true_is_still_401_for_api_clients_other_methods_and_without_redirect() {
    let app = portal_app(&[]).await;

    for (query, method, accept) in [
        ("?redirect=true", "GET", "application/json"),
        ("?redirect=true", "POST", BROWSER),
        ("?redirect=false", "GET", BROWSER),
        ("", "GET", BROWSER),
    ] {
        let response = forwarded(&app, query, method, accept).await;
        assert_eq!(response.status(), 401, "{query} {method} {accept}");
    }
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let malformed = app
        .client
        .get(app.url("/auth/verify?redirect=yes"))
        .header("Cookie", format!("latchkey_portal={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        malformed.status(),
        422,
        "a signed-in caller's malformed redirect"
    );
}

#[tokio::test]
async fn redirect_true_without_a_public_url_is_401() {
    let app = spawn_app().await;

    let response = forwarded(&app, "?redirect=true", "GET", BROWSER).await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_portal_cookie_opens_nothing_of_the_json_api() {
    let app = portal_app(&[]).await;
    app.add_user("root", "root-password", true);
    let cookie = signed_in(&app, "root", "root-password").await;
    let with_cookie = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("Cookie", format!("latchkey_portal={cookie}"))
    };

    let me = with_cookie(reqwest::Method::GET, "/user/me")
        .send()
        .await
        .unwrap();
    let refresh = with_cookie(reqwest::Method::POST, "/user/refresh-token")
        .send()
        .await
        .unwrap();
    let admin = with_cookie(reqwest::Method::GET, "/admin/users")
        .send()
        .await
        .unwrap();

    assert_eq!(me.status(), 401);
    assert_eq!(refresh.status(), 401);
    assert_eq!(error_of(refresh).await.1, "not_found");
    assert_eq!(admin.status(), 401);
    assert_eq!(
        verify(&app, &cookie).await.status(),
        200,
        "the cookie itself is good"
    );
}

#[tokio::test]
async fn a_second_factor_used_at_the_portal_counts_for_two_factor_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "default_policy = \"two_factor\"\n").unwrap();
    let app = portal_app(&["--access-rules", rules.to_str().unwrap()]).await;
    app.add_user("bob", "bob-password", false);
    let alice = crate::mfa::enrolled(&app, "alice", "alice-password").await;
    let with_code =
        signed_in_with_code(&app, "alice", "alice-password", &alice.secret, alice.step).await;
    let password_only = signed_in(&app, "bob", "bob-password").await;
    let check = |cookie: String| {
        app.client
            .get(app.url("/auth/verify"))
            .header("X-Original-URL", TOOL_PAGE)
            .header("X-Original-Method", "GET")
            .header("Cookie", format!("latchkey_portal={cookie}"))
            .send()
    };

    assert_eq!(check(with_code).await.unwrap().status(), 200);
    let refused = check(password_only).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(error_of(refused).await.1, "mfa_required");
}
