//! A portal session ends like any other: logout-all, `DELETE /user/sessions/{id}`, a password
//! change, disabling the user and `sessions revoke-all` stop its cookie at once; `POST /logout`
//! ends it and clears the cookie.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::bearer::{admin_token, call};

#[tokio::test]
async fn logout_all_stops_the_portal_cookie_at_once() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let token = app.login_ok("alice", "alice-password").await.access_token;

    let ended = app
        .client
        .post(app.url("/user/logout-all"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert!(ended.status().is_success());
    assert_eq!(verify(&app, &cookie).await.status(), 401);
}

#[tokio::test]
async fn ending_the_portal_session_from_the_list_stops_its_cookie_at_once() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let listed = portal_sessions(&app, &token).await;
    let id = listed[0]["id"].as_str().unwrap();

    let ended = app
        .client
        .delete(app.url(&format!("/user/sessions/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(ended.status(), 204);
    assert_eq!(verify(&app, &cookie).await.status(), 401);
    assert!(portal_sessions(&app, &token).await.is_empty());
}

#[tokio::test]
async fn disabling_the_user_stops_the_portal_cookie_at_once() {
    let app = portal_app(&[]).await;
    app.add_user("bob", "bob-password", false);
    let cookie = signed_in(&app, "bob", "bob-password").await;
    let admin = admin_token(&app).await;

    let disabled = json!({"disabled": true});
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        "/admin/users/bob",
        Some(disabled),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(verify(&app, &cookie).await.status(), 401);
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        verify(&app, &cookie).await.status(),
        401,
        "enabling revives nothing"
    );
}

#[tokio::test]
async fn a_password_change_and_revoke_all_stop_the_portal_cookie() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let first = signed_in(&app, "alice", "alice-password").await;
    let token = app.login_ok("alice", "alice-password").await.access_token;
    let change = json!({"current_password": "alice-password", "new_password": "alice-password-2"});

    let changed = crate::mfa::post_json(&app, "/user/password", &token, change).await;

    assert!(changed.status().is_success());
    assert_eq!(verify(&app, &first).await.status(), 401);
    let second = signed_in(&app, "alice", "alice-password-2").await;
    let revoked = app.cli(&["sessions", "revoke-all", "alice"], "");
    assert!(revoked.status.success());
    assert_eq!(verify(&app, &second).await.status(), 401);
}

#[tokio::test]
async fn post_logout_ends_the_session_clears_the_cookie_and_goes_to_the_sign_in_page() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;

    let response = sign_out(&app, Some(&cookie), None).await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
    assert_cleared(&response);
    assert_eq!(verify(&app, &cookie).await.status(), 401);
    let pruned = app.cli(&["sessions", "prune"], "");
    let said = String::from_utf8_lossy(&pruned.stdout);
    assert!(
        said.starts_with("deleted 1 expired or ended session(s)"),
        "{said}"
    );
    let token = app.login_ok("alice", "alice-password").await.access_token;
    assert!(portal_sessions(&app, &token).await.is_empty());
}

#[tokio::test]
async fn post_logout_without_a_live_cookie_still_clears_it_and_redirects() {
    let app = portal_app(&[]).await;

    let bare = sign_out(&app, None, None).await;
    let dead = sign_out(&app, Some("forged"), None).await;

    for response in [bare, dead] {
        assert_eq!(response.status(), 303);
        assert_cleared(&response);
    }
}

#[tokio::test]
async fn post_logout_from_another_site_is_refused_and_ends_nothing() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;

    let response = sign_out(&app, Some(&cookie), Some("https://evil.example")).await;

    assert_eq!(response.status(), 403);
    assert_eq!(verify(&app, &cookie).await.status(), 200);
}

/// `POST /logout` with the portal cookie and an `Origin`, when given.
async fn sign_out(app: &TestApp, cookie: Option<&str>, origin: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/logout"));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", format!("latchkey_portal={cookie}"));
    }
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    request.send().await.expect("request sent")
}

/// The portal cookie emptied with `Max-Age=0` and the attributes it was set with.
fn assert_cleared(response: &reqwest::Response) {
    let cookie = set_cookie(response.headers()).expect("a Set-Cookie header");
    assert_eq!(
        (cookie.name.as_str(), cookie.value.as_str()),
        ("latchkey_portal", "")
    );
    assert_eq!(cookie.attribute("max-age"), Some("0"));
    assert_eq!(cookie.attribute("path"), Some("/"));
    assert_eq!(cookie.attribute("domain"), Some(DOMAIN));
    assert_eq!(cookie.attribute("samesite"), Some("Lax"));
    assert_eq!(cookie.attribute("httponly"), Some(""));
    assert_eq!(cookie.attribute("secure"), Some(""));
}

#[tokio::test]
async fn a_second_factor_removed_or_the_user_deleted_stops_the_portal_cookie() {
    let app = portal_app(&[]).await;
    let carol = crate::mfa::enrolled(&app, "carol", "carol-password").await;
    let page = sign_in(&app, "carol", "carol-password", TOOL_PAGE).await;
    let token = mfa_token_in(&page.text().await.unwrap());
    let code = crate::mfa::code_at(&carol.secret, carol.step + 1);
    let form = [("mfa_token", token.as_str()), ("code", code.as_str())];
    let coded = app
        .client
        .post(app.url("/login/code"))
        .form(&form)
        .send()
        .await;
    let carols = portal_cookie(&coded.unwrap());
    app.add_user("bob", "bob-password", false);
    app.add_user("dave", "dave-password", false);
    let bobs = signed_in(&app, "bob", "bob-password").await;
    let daves = signed_in(&app, "dave", "dave-password").await;
    let admin = admin_token(&app).await;
    let delete = |path: &'static str| app.client.delete(app.url(path)).bearer_auth(&admin).send();

    let reset = delete("/admin/users/carol/mfa").await.unwrap();
    let deleted = delete("/admin/users/bob").await.unwrap();

    assert!(reset.status().is_success() && deleted.status().is_success());
    assert_eq!(
        verify(&app, &carols).await.status(),
        401,
        "second factor removed"
    );
    assert_eq!(verify(&app, &bobs).await.status(), 401, "user deleted");
    assert_eq!(verify(&app, &daves).await.status(), 200, "others untouched");
}

#[tokio::test]
async fn the_cli_lists_a_portal_session_with_its_kind() {
    let app = portal_app(&[]).await;
    app.add_user("alice", "alice-password", false);
    signed_in(&app, "alice", "alice-password").await;

    let listed = app.cli(&["sessions", "list", "alice"], "");

    let text = String::from_utf8_lossy(&listed.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("KIND"), "{text}");
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[1].split_whitespace().nth(1), Some("portal"), "{text}");
}
