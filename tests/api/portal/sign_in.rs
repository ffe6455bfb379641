//! Signing in at the portal: the cookie's exact attributes, the session it names, wrong passwords,
//! the throttle, the second factor, and cross-origin forms refused.

use serde_json::Value;

use super::*;
use crate::mfa::{code_at, enrolled};

#[tokio::test]
async fn a_right_password_sends_the_browser_on_to_rd_with_the_portal_cookie() {
    let app = portal_app(&["--session-max-age", "1h"]).await;
    app.add_user("alice", "alice-password", false);

    let response = sign_in(&app, "alice", "alice-password", TOOL_PAGE).await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], TOOL_PAGE);
    assert_portal_headers(&response);
    let cookie = set_cookie(response.headers()).unwrap();
    assert_eq!(cookie.name, "latchkey_portal");
    assert!(
        cookie.value.len() >= 22,
        "at least 128 bits: {}",
        cookie.value
    );
    for flag in ["httponly", "secure"] {
        assert_eq!(cookie.attribute(flag), Some(""), "{flag}");
    }
    assert_eq!(cookie.attribute("samesite"), Some("Lax"));
    assert_eq!(cookie.attribute("path"), Some("/"));
    assert_eq!(cookie.attribute("domain"), Some(DOMAIN));
    let max_age: i64 = cookie.attribute("max-age").unwrap().parse().unwrap();
    assert!((3590..=3600).contains(&max_age), "{max_age}");
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let listed = portal_sessions(&app, &token).await;
    assert_eq!(listed.len(), 1, "one portal session: {listed:?}");
    assert_eq!(listed[0]["current"], false);
}

#[tokio::test]
async fn an_rd_on_another_host_is_dropped_for_the_portal_itself() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);

    let response = sign_in(&app, "alice", "alice-password", "https://evil.example/x").await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_401_and_sets_no_cookie() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);

    let response = sign_in(&app, "alice", "wrong-password", TOOL_PAGE).await;

    assert_eq!(response.status(), 401);
    assert_portal_headers(&response);
    assert!(response.headers().get("set-cookie").is_none());
    assert!(response.headers().get("www-authenticate").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("Incorrect username or password"), "{page}");
}

#[tokio::test]
async fn too_many_wrong_passwords_get_a_429_page_with_retry_after() {
    let app = portal_app(&["--login-max-failures", "2"]).await;
    app.add_user("alice", "alice-password", false);
    for _ in 0..2 {
        let refused = sign_in(&app, "alice", "wrong-password", TOOL_PAGE).await;
        assert_eq!(refused.status(), 401);
    }

    let response = sign_in(&app, "alice", "alice-password", TOOL_PAGE).await;

    assert_eq!(response.status(), 429);
    assert_portal_headers(&response);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn a_user_with_a_second_factor_gets_the_code_page_then_is_sent_on_by_the_code() {
    let app = portal_app(&[]).await;
    let alice = enrolled(&app, "alice", "alice-password").await;

    let page = sign_in(&app, "alice", "alice-password", TOOL_PAGE).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_none());
    let token = mfa_token_in(&page.text().await.unwrap());
    let code = code_at(&alice.secret, alice.step + 1);
    let response = code_step(&app, &token, &code).await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], TOOL_PAGE);
    let allowed = verify(&app, &portal_cookie(&response)).await;
    assert_eq!(allowed.headers()["x-auth-user"], "alice");
}

#[tokio::test]
async fn a_wrong_code_shows_the_code_page_again_with_401_and_a_recovery_code_works() {
    let app = portal_app(&[]).await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let page = sign_in(&app, "alice", "alice-password", TOOL_PAGE).await;
    let token = mfa_token_in(&page.text().await.unwrap());

    let wrong = code_step(&app, &token, "000000x").await;

    assert_eq!(wrong.status(), 401);
    assert_portal_headers(&wrong);
    assert!(wrong.headers().get("set-cookie").is_none());
    let again = mfa_token_in(&wrong.text().await.unwrap());
    let recovered = code_step(&app, &again, &alice.recovery_codes[0]).await;
    assert_eq!(recovered.status(), 303);
}

#[tokio::test]
async fn a_form_from_another_site_is_refused_with_a_403_page_and_starts_nothing() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let form = [("username", "alice"), ("password", "alice-password")];

    for (header, value) in [
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ] {
        let response = app
            .client
            .post(app.url("/login"))
            .header(header, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}");
        assert_portal_headers(&response);
        assert!(response.headers().get("set-cookie").is_none());
    }

    let token = app.login_ok("alice", "alice-password").await.access_token;
    assert!(portal_sessions(&app, &token).await.is_empty());
}

#[tokio::test]
async fn a_signed_in_visitor_is_sent_straight_on_or_told_who_is_signed_in() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let visit = |query: &'static str| {
        app.client
            .get(app.url(&format!("/login{query}")))
            .header("Cookie", format!("latchkey_portal={cookie}"))
            .send()
    };

    let on = visit("?rd=https%3A%2F%2Fapp.example.test%2Fx")
        .await
        .unwrap();
    let here = visit("").await.unwrap();

    assert_eq!(on.status(), 303);
    assert_eq!(on.headers()["location"], "https://app.example.test/x");
    assert_eq!(here.status(), 200);
    assert_portal_headers(&here);
    let page = here.text().await.unwrap();
    assert!(
        page.contains("alice") && page.contains(r#"action="/logout""#),
        "{page}"
    );
    assert!(!page.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn portal_sign_ins_are_audited_as_coming_from_the_portal() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    signed_in(&app, "alice", "alice-password").await;
    sign_in(&app, "alice", "wrong-password", TOOL_PAGE).await;
    let admin = crate::bearer::admin_token(&app).await;

    let reasons = audit_reasons(&app, &admin).await;

    assert!(
        reasons.contains(&("login_ok".into(), "portal".into())),
        "{reasons:?}"
    );
    let failed = ("login_failed".into(), "portal,invalid_credentials".into());
    assert!(reasons.contains(&failed), "{reasons:?}");
}

/// Every audited event's name and reason for alice, once the writer has them.
async fn audit_reasons(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    for _ in 0..50 {
        let events: Vec<Value> = app
            .get_with_token("/admin/audit?username=alice", admin)
            .await
            .json()
            .await
            .unwrap();
        let found: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                (
                    e["event"].as_str().unwrap_or("").into(),
                    e["reason"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        if found.len() >= 2 {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the audit events never arrived")
}
