use reqwest::Method;
use serde_json::{json, Value};

use crate::bearer::*;
use crate::helpers::*;

#[tokio::test]
async fn the_session_list_shows_each_login_once_and_marks_the_callers_own() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let (laptop, laptop_cookie) =
        login_as(&app, "alice", "alice-password", "laptop-browser/1.0").await;
    let (phone, _) = login_as(&app, "alice", "alice-password", "phone-browser/2.0").await;
    // Rotating the cookie keeps the session: still one entry for the laptop.
    app.refresh_ok(&laptop_cookie).await;

    let response = app.get_with_token("/user/sessions", &laptop).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let list = json(response).await;
    assert_eq!(list.as_array().expect("a JSON array").len(), 2);
    let mine = entry(&list, &sid_of(&laptop));
    let other = entry(&list, &sid_of(&phone));
    assert_eq!(
        (&mine["current"], &other["current"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(mine["user_agent"], "laptop-browser/1.0");
    assert_eq!(other["user_agent"], "phone-browser/2.0");
    assert_eq!(mine["ip"], "127.0.0.1");
    assert!(
        !list.to_string().contains(&laptop_cookie),
        "no refresh id in the list"
    );
}

#[tokio::test]
async fn a_listed_session_has_exactly_the_contract_fields_with_rfc3339_times() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let token = app.login_ok("alice", "alice-password").await.access_token;

    let list = json(app.get_with_token("/user/sessions", &token).await).await;

    let session = entry(&list, &sid_of(&token));
    let mut keys: Vec<&String> = session.as_object().unwrap().keys().collect();
    keys.sort();
    let expected = [
        "created_at",
        "current",
        "expires_at",
        "id",
        "ip",
        "kind",
        "last_used_at",
        "user_agent",
    ];
    assert_eq!(keys, expected);
    for field in ["created_at", "last_used_at", "expires_at"] {
        let text = session[field].as_str().expect("a timestamp string");
        assert!(text.ends_with('Z'), "{field} is RFC 3339 UTC: {text}");
        chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    }
    assert!(session["expires_at"].as_str() > session["created_at"].as_str());
}

/// The listed session with this id.
fn entry(list: &Value, sid: &str) -> Value {
    let found = list.as_array().unwrap().iter().find(|s| s["id"] == sid);
    found.expect("session listed").clone()
}

#[tokio::test]
async fn the_session_list_holds_only_the_callers_sessions() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let alice = app.login_ok("alice", "alice-password").await;
    let bob = app.login_ok("bob", "bob-password").await;

    let list = json(
        app.get_with_token("/user/sessions", &alice.access_token)
            .await,
    )
    .await;

    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sid_of(&alice.access_token)]);
    assert!(!list.to_string().contains(&sid_of(&bob.access_token)));
}

#[tokio::test]
async fn ending_one_session_stops_its_cookie_and_token_while_the_other_keeps_working() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let keep = app.login_ok("alice", "alice-password").await;
    let end = app.login_ok("alice", "alice-password").await;
    let path = format!("/user/sessions/{}", sid_of(&end.access_token));

    let response = send(&app, Method::DELETE, &path, Some(&keep.access_token), None).await;

    assert_eq!(response.status(), 204);
    let refused = app.refresh(&end.cookie).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await.1, "revoked");
    let refused = app.me(&end.access_token).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await.1, "invalid_token");
    assert_eq!(app.me(&keep.access_token).await.status(), 200);
    app.refresh_ok(&keep.cookie).await;
    let list = json(
        app.get_with_token("/user/sessions", &keep.access_token)
            .await,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_users_session_id_is_answered_like_an_unknown_one_and_stays_alive() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let alice = app.login_ok("alice", "alice-password").await;
    let bob = app.login_ok("bob", "bob-password").await;
    let token = Some(alice.access_token.as_str());

    let foreign = send(
        &app,
        Method::DELETE,
        &format!("/user/sessions/{}", sid_of(&bob.access_token)),
        token,
        None,
    )
    .await;
    let unknown = send(
        &app,
        Method::DELETE,
        &format!("/user/sessions/{}", "0".repeat(32)),
        token,
        None,
    )
    .await;
    let junk = send(
        &app,
        Method::DELETE,
        "/user/sessions/not-a-session-id",
        token,
        None,
    )
    .await;

    for response in [foreign, unknown, junk] {
        assert_eq!(response.status(), 404);
        assert_eq!(
            error_of(response).await,
            ("Session not found".into(), "not_found".into())
        );
    }
    assert_eq!(app.me(&bob.access_token).await.status(), 200);
    app.refresh_ok(&bob.cookie).await;
}

#[tokio::test]
async fn ending_an_already_ended_session_is_not_found() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let keep = app.login_ok("alice", "alice-password").await;
    let other = app.login_ok("alice", "alice-password").await;
    let path = format!("/user/sessions/{}", sid_of(&other.access_token));

    let first = send(&app, Method::DELETE, &path, Some(&keep.access_token), None).await;
    let second = send(&app, Method::DELETE, &path, Some(&keep.access_token), None).await;

    assert_eq!(first.status(), 204);
    assert_eq!(second.status(), 404);
}

#[tokio::test]
async fn logout_all_ends_every_session_of_the_caller_and_clears_the_cookie() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let first = app.login_ok("alice", "alice-password").await;
    let second = app.login_ok("alice", "alice-password").await;
    let bob = app.login_ok("bob", "bob-password").await;

    let response = send(
        &app,
        Method::POST,
        "/user/logout-all",
        Some(&first.access_token),
        None,
    )
    .await;

    assert_eq!(response.status(), 204);
    let cleared = set_cookie(response.headers()).expect("the cookie is cleared");
    assert_eq!(
        (cleared.name.as_str(), cleared.value.as_str()),
        ("refresh_token", "")
    );
    assert_eq!(cleared.attribute("max-age"), Some("0"));
    assert_eq!(cleared.attribute("path"), Some("/user"));
    assert_eq!(cleared.attribute("samesite"), Some("Strict"));
    assert!(cleared.attribute("httponly").is_some() && cleared.attribute("secure").is_some());
    for login in [&first, &second] {
        assert_eq!(app.refresh(&login.cookie).await.status(), 401);
        assert_eq!(app.me(&login.access_token).await.status(), 401);
    }
    assert_eq!(
        app.me(&bob.access_token).await.status(),
        200,
        "other users keep theirs"
    );
    app.refresh_ok(&bob.cookie).await;
}

#[tokio::test]
async fn session_routes_need_an_access_token() {
    let app = spawn_app().await;
    let sid = "0".repeat(32);
    let calls = [
        (Method::GET, "/user/sessions".to_string()),
        (Method::DELETE, format!("/user/sessions/{sid}")),
        (Method::POST, "/user/logout-all".to_string()),
    ];
    for (method, path) in calls {
        let response = send(&app, method.clone(), &path, None, None).await;
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            error_of(response).await,
            ("Not authenticated".into(), "invalid_token".into())
        );
        let response = send(&app, method.clone(), &path, Some("not.a.token"), None).await;
        assert_eq!(response.status(), 401, "{method} {path} with a bad token");
    }
}

#[tokio::test]
async fn wrong_methods_on_session_routes_are_json_405() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::POST, "/user/sessions"),
        (Method::GET, "/user/logout-all"),
    ] {
        let response = send(&app, method, path, None, None).await;
        assert_eq!(response.status(), 405);
        assert_eq!(error_of(response).await.1, "method_not_allowed");
    }
}
