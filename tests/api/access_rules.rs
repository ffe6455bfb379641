//! Forward auth under access rules (`--access-rules`): the first matching rule decides, an
//! anonymous caller is decided by hosts, paths and methods alone, `two_factor` needs a session
//! that used a second factor, path tricks resolve first, and a request without the original URL
//! is refused. Decisions are counted in the metrics.

use reqwest::{RequestBuilder, Response};
use tempfile::TempDir;

use crate::bearer::admin_token;
use crate::helpers::*;
use crate::metrics::{sample, scrape};
use crate::mfa::{code_at, enrolled};

pub const TEAM: &str = r#"
default_policy = "deny"

[[rules]]
hosts = ["status.example.com"]
paths = ["/public/", "/healthz"]
methods = ["GET", "HEAD"]
policy = "bypass"

[[rules]]
hosts = ["grafana.example.com"]
subjects = ["group:ops", "role:admin"]
policy = "two_factor"

[[rules]]
hosts = ["*.internal.example.com"]
policy = "one_factor"
"#;

/// An app with the team's rules (the file lives in the returned directory).
async fn app_with_rules(extra: &[&str]) -> (TestApp, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    std::fs::write(&file, TEAM).unwrap();
    let mut flags = vec!["--access-rules", file.to_str().unwrap()];
    flags.extend_from_slice(extra);
    (spawn_app_with(&flags).await, dir)
}

fn verify(app: &TestApp, url: &str, token: Option<&str>) -> RequestBuilder {
    let request = app
        .client
        .get(app.url("/auth/verify"))
        .header("X-Original-URL", url)
        .header("X-Original-Method", "GET");
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

async fn status(request: RequestBuilder) -> (u16, String) {
    let response: Response = request.send().await.unwrap();
    let status = response.status().as_u16();
    match status {
        200 => (200, String::new()),
        _ => (status, error_of(response).await.1),
    }
}

/// bob: in ops, signed in with his password only.
async fn bob(app: &TestApp) -> String {
    app.add_user("bob", "bob-password", false);
    let grouped = app.cli(&["user", "groups", "bob", "--add", "ops"], "");
    assert!(grouped.status.success());
    app.login_ok("bob", "bob-password").await.access_token
}

#[tokio::test]
async fn a_bypass_rule_lets_anyone_through_and_nothing_else_does_without_a_sign_in() {
    let (app, _dir) = app_with_rules(&[]).await;

    let open = verify(&app, "https://status.example.com/public/x", None)
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert!(open.headers().get("x-auth-user").is_none());
    for (url, expected) in [
        (
            "https://status.example.com/private",
            (403, "forbidden".into()),
        ),
        (
            "https://status.example.com/public/..%2fadmin",
            (403, "forbidden".into()),
        ),
        (
            "https://grafana.example.com/",
            (401, "invalid_token".into()),
        ),
        (
            "https://a.internal.example.com/",
            (401, "invalid_token".into()),
        ),
        ("https://elsewhere.example.com/", (403, "forbidden".into())),
    ] {
        assert_eq!(status(verify(&app, url, None)).await, expected, "{url}");
    }
    let bad = verify(
        &app,
        "https://status.example.com/public/x",
        Some("not-a-jwt"),
    );
    assert_eq!(
        status(bad).await.0,
        401,
        "a bad credential is 401 even on a bypass rule"
    );
}

#[tokio::test]
async fn two_factor_needs_a_listed_subject_and_a_session_that_used_a_second_factor() {
    let (app, _dir) = app_with_rules(&[]).await;
    let token = bob(&app).await;
    app.add_user("carol", "carol-password", false);
    let carol = app.login_ok("carol", "carol-password").await.access_token;

    let grafana = "https://grafana.example.com/d/1";
    assert_eq!(
        status(verify(&app, grafana, Some(&token))).await,
        (403, "mfa_required".into())
    );
    assert_eq!(
        status(verify(&app, grafana, Some(&carol))).await,
        (403, "forbidden".into())
    );
    let internal = "https://a.b.internal.example.com/";
    assert_eq!(status(verify(&app, internal, Some(&carol))).await.0, 200);

    let dave = enrolled(&app, "dave", "dave-password").await;
    app.cli(&["user", "groups", "dave", "--add", "ops"], "");
    let first = app
        .login("dave", "dave-password")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let body = serde_json::json!({"mfa_token": first["mfa_token"], "code": code_at(&dave.secret, dave.step + 1)});
    let second = app
        .client
        .post(app.url("/user/token/mfa"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    let with_code = login_from(second).await.access_token;
    assert_eq!(status(verify(&app, grafana, Some(&with_code))).await.0, 200);
}

#[tokio::test]
async fn group_and_admin_parameters_only_narrow_what_the_rules_allow() {
    let (app, _dir) = app_with_rules(&[]).await;
    let token = bob(&app).await;
    let admin = admin_token(&app).await;
    let internal = "https://a.internal.example.com/?x=1";

    let with = |query: &str, token: &str| {
        app.client
            .get(app.url(&format!("/auth/verify{query}")))
            .header("X-Original-URL", internal)
            .header("X-Original-Method", "GET")
            .bearer_auth(token.to_string())
    };
    assert_eq!(status(with("?group=ops", &token)).await.0, 200);
    assert_eq!(status(with("?group=billing", &token)).await.0, 403);
    assert_eq!(
        status(with("?group=ops", &admin)).await.0,
        403,
        "an admin outside the group"
    );
    assert_eq!(status(with("?admin=true", &admin)).await.0, 200);
    assert_eq!(status(with("?Admin=true", &admin)).await.0, 422);
}

#[tokio::test]
async fn traefik_and_caddy_headers_name_the_original_request_too() {
    let (app, _dir) = app_with_rules(&[]).await;
    let forwarded = |host: &str, uri: &str, method: &str| {
        app.client
            .get(app.url("/auth/verify"))
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", host)
            .header("X-Forwarded-Uri", uri)
            .header("X-Forwarded-Method", method)
    };
    assert_eq!(
        status(forwarded(
            "STATUS.example.com.:443",
            "/healthz/live?x",
            "HEAD"
        ))
        .await
        .0,
        200
    );
    assert_eq!(
        status(forwarded("status.example.com", "/healthz", "POST"))
            .await
            .0,
        403
    );
    assert_eq!(
        status(forwarded(
            "status.example.com",
            "//public/../healthzz",
            "GET"
        ))
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn without_the_original_request_forward_auth_fails_closed_naming_the_headers() {
    let (app, _dir) = app_with_rules(&[]).await;
    let token = bob(&app).await;

    for request in [
        app.client.get(app.url("/auth/verify")).bearer_auth(&token),
        app.client
            .get(app.url("/auth/verify"))
            .header("X-Original-URL", "https://a.internal.example.com/")
            .bearer_auth(&token),
        app.client
            .get(app.url("/auth/verify"))
            .header("X-Forwarded-Host", "a.internal.example.com")
            .header("X-Forwarded-Method", "GET"),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403);
        let (detail, code) = error_of(response).await;
        assert_eq!(code, "forbidden");
        assert!(
            detail.contains("X-Original-URL") && detail.contains("X-Forwarded-Uri"),
            "{detail}"
        );
    }
}

#[tokio::test]
async fn decisions_are_counted_by_outcome() {
    let (app, _dir) = app_with_rules(&["--metrics-bind", "127.0.0.1:0"]).await;
    let token = bob(&app).await;
    verify(&app, "https://status.example.com/public/", None)
        .send()
        .await
        .unwrap();
    verify(&app, "https://a.internal.example.com/", Some(&token))
        .send()
        .await
        .unwrap();
    verify(&app, "https://a.internal.example.com/", None)
        .send()
        .await
        .unwrap();
    verify(&app, "https://nowhere.example.com/", None)
        .send()
        .await
        .unwrap();
    verify(&app, "https://grafana.example.com/", Some(&token))
        .send()
        .await
        .unwrap();

    let text = scrape(&app).await;
    let count = |outcome: &str| {
        sample(
            &text,
            &format!("latchkey_access_decisions_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(
        (count("allow"), count("deny"), count("sign_in")),
        (2.0, 2.0, 1.0)
    );
}

#[tokio::test]
async fn without_rules_a_missing_credential_is_still_401_whatever_the_original_url() {
    let app = spawn_app().await;
    let response = verify(&app, "https://status.example.com/public/", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}
