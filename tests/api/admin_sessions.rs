//! `/admin/users/{username}/sessions`: an admin lists one user's sessions and ends one of them;
//! unknown users and sessions that are not that user's are 404.

use reqwest::Method;
use serde_json::json;

use crate::audit::events_when;
use crate::bearer::*;
use crate::helpers::*;
use crate::openapi::assert_documented;

#[tokio::test]
async fn admin_lists_the_sessions_of_another_user() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let (laptop, _) = login_as(&app, "alice", "alice-password", "laptop-browser/1.0").await;
    let (phone, _) = login_as(&app, "alice", "alice-password", "phone-browser/2.0").await;
    let admin = admin_token(&app).await;

    let response = app
        .get_with_token("/admin/users/alice/sessions", &admin)
        .await;

    assert_eq!(response.headers()["cache-control"], "no-store");
    let doc = crate::openapi::document(&app).await;
    let path = "/admin/users/{username}/sessions";
    let list = assert_documented(&doc, "get", path, response).await;
    let list = list.as_array().expect("a JSON array");
    let mut ids: Vec<&str> = list.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected = [sid_of(&laptop), sid_of(&phone)];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(list.iter().all(|s| s["current"] == json!(false)));
    assert!(list.iter().any(|s| s["user_agent"] == "laptop-browser/1.0"));
}

#[tokio::test]
async fn admin_sees_its_own_session_marked_current() {
    let app = spawn_app().await;
    let admin = admin_token(&app).await;

    let list = json(
        app.get_with_token("/admin/users/ADMIN/sessions", &admin)
            .await,
    )
    .await;

    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (&list[0]["id"], &list[0]["current"]),
        (&json!(sid_of(&admin)), &json!(true))
    );
}

#[tokio::test]
async fn admin_ends_one_session_of_another_user() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let keep = app.login_ok("alice", "alice-password").await;
    let end = app.login_ok("alice", "alice-password").await;
    let admin = admin_token(&app).await;
    let path = format!("/admin/users/alice/sessions/{}", sid_of(&end.access_token));

    let response = send(&app, Method::DELETE, &path, Some(&admin), None).await;

    assert_eq!(response.status(), 204);
    let refused = app.refresh(&end.cookie).await;
    assert_eq!(refused.status(), 401);
    let refused = app.me(&end.access_token).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await.1, "invalid_token");
    assert_eq!(app.me(&keep.access_token).await.status(), 200);
    let events = events_when(&app, &admin, |events| {
        events.iter().any(|e| e["event"] == "session_ended")
    })
    .await;
    let ended = events
        .iter()
        .find(|e| e["event"] == "session_ended")
        .unwrap();
    assert_eq!(
        (&ended["username"], &ended["actor"]),
        (&json!("alice"), &json!("admin"))
    );
}

#[tokio::test]
async fn admin_session_routes_answer_404_for_unknown_users_and_foreign_or_malformed_ids() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;
    let admin = admin_token(&app).await;
    let bobs = sid_of(&bob.access_token);
    let unknown_user = ("User not found".to_string(), "not_found".to_string());
    let unknown_session = ("Session not found".to_string(), "not_found".to_string());
    for (method, path, expected) in [
        (
            Method::GET,
            "/admin/users/nobody/sessions".to_string(),
            &unknown_user,
        ),
        (
            Method::DELETE,
            format!("/admin/users/nobody/sessions/{bobs}"),
            &unknown_user,
        ),
        (
            Method::DELETE,
            format!("/admin/users/alice/sessions/{bobs}"),
            &unknown_session,
        ),
        (
            Method::DELETE,
            "/admin/users/bob/sessions/not-an-id".to_string(),
            &unknown_session,
        ),
        (
            Method::DELETE,
            format!("/admin/users/bob/sessions/{}", "0".repeat(32)),
            &unknown_session,
        ),
    ] {
        let response = send(&app, method.clone(), &path, Some(&admin), None).await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(&error_of(response).await, expected, "{method} {path}");
    }
    assert_eq!(
        app.me(&bob.access_token).await.status(),
        200,
        "bob's session lives on"
    );
}
