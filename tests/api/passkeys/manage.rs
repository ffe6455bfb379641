//! Keeping passkeys: renaming and removing one's own, an admin's count and removal, and the
//! operator's `latchkey user passkeys`.

use reqwest::Response;
use serde_json::{json, Value};

use super::*;

async fn rename(app: &TestApp, token: &str, id: &str, name: &str) -> Response {
    app.client
        .patch(app.url(&format!("/user/passkeys/{id}")))
        .bearer_auth(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("request sent")
}

async fn remove(app: &TestApp, token: &str, id: &str, password: &str) -> Response {
    app.client
        .delete(app.url(&format!("/user/passkeys/{id}")))
        .bearer_auth(token)
        .json(&json!({"current_password": password}))
        .send()
        .await
        .expect("request sent")
}

async fn admin_record(app: &TestApp, token: &str, username: &str) -> Value {
    let response = app
        .get_with_token(&format!("/admin/users/{username}"), token)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn admin_remove(app: &TestApp, token: &str, username: &str) -> Response {
    app.client
        .delete(app.url(&format!("/admin/users/{username}/passkeys")))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn a_passkey_is_renamed_by_its_owner_only() {
    let app = spawn_app().await;
    let (login, _) = alice_with_a_passkey(&app).await;
    let id = list(&app, &login.access_token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;

    let renamed = rename(&app, &login.access_token, &id, "work laptop").await;
    let by_bob = rename(&app, &bob.access_token, &id, "mine now").await;
    let unknown = rename(&app, &login.access_token, "no-such-id", "x").await;

    assert_eq!(renamed.status(), 200);
    let item: Value = renamed.json().await.unwrap();
    assert_eq!(
        (&item["id"], &item["name"]),
        (&json!(id), &json!("work laptop"))
    );
    assert_eq!(by_bob.status(), 404);
    assert_eq!(error_of(by_bob).await.1, "not_found");
    assert_eq!(unknown.status(), 404);
    assert_eq!(list(&app, &login.access_token).await, vec![item]);
}

#[tokio::test]
async fn removing_a_passkey_needs_the_password_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let other = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;
    let id = list(&app, token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let wrong = remove(&app, token, &id, "not-her-password").await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(error_of(wrong).await.1, "invalid_credentials");
    assert_eq!(
        remove(&app, token, "no-such-id", "alice-password")
            .await
            .status(),
        404
    );
    assert_eq!(stored_passkeys(&app), 1);
    let removed = remove(&app, token, &id, "alice-password").await;

    assert_eq!(removed.status(), 204);
    assert!(list(&app, token).await.is_empty());
    assert_eq!(app.me(&other.access_token).await.status(), 401);
    assert_eq!(app.refresh(&other.cookie).await.status(), 401);
    assert_eq!(app.me(token).await.status(), 200);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
}

#[tokio::test]
async fn another_users_passkey_cannot_be_removed() {
    let app = spawn_app().await;
    let (login, _) = alice_with_a_passkey(&app).await;
    let id = list(&app, &login.access_token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;

    let response = remove(&app, &bob.access_token, &id, "bob-password").await;

    assert_eq!(response.status(), 404);
    assert_eq!(stored_passkeys(&app), 1);
}

#[tokio::test]
async fn an_admin_sees_the_count_and_removes_a_users_passkeys_ending_the_sessions() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let token = &admin.access_token;
    assert_eq!(admin_record(&app, token, "alice").await["passkeys"], 1);
    assert_eq!(admin_record(&app, token, "admin").await["passkeys"], 0);

    assert_eq!(admin_remove(&app, token, "nobody").await.status(), 404);
    let response = admin_remove(&app, token, "alice").await;

    assert_eq!(response.status(), 204);
    assert_eq!(admin_record(&app, token, "alice").await["passkeys"], 0);
    assert_eq!(app.me(&login.access_token).await.status(), 401);
    assert_eq!(app.refresh(&login.cookie).await.status(), 401);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    assert_eq!(app.login("alice", "alice-password").await.status(), 200);
}

#[tokio::test]
async fn the_admin_record_count_is_read_only() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    alice_with_a_passkey(&app).await;

    let response = app
        .client
        .patch(app.url("/admin/users/alice"))
        .bearer_auth(&admin.access_token)
        .json(&json!({"passkeys": 0, "full_name": "Alice"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["passkeys"], 1);
    assert_eq!(stored_passkeys(&app), 1);
}

#[tokio::test]
async fn the_cli_lists_and_removes_a_users_passkeys_and_ends_the_sessions() {
    let app = spawn_app().await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let id = list(&app, &login.access_token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let listed = app.cli(&["user", "passkeys", "alice"], "");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let text = String::from_utf8_lossy(&listed.stdout);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .filter(|words: &Vec<&str>| words.first() == Some(&id.as_str()))
        .collect();
    assert_eq!(lines.len(), 1, "one line for the passkey:\n{text}");
    assert_eq!(lines[0].get(1), Some(&"laptop"), "{text}");

    let unknown = app.cli(&["user", "passkeys", "alice", "--remove", "no-such-id"], "");
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(stored_passkeys(&app), 1);
    let removed = app.cli(&["user", "passkeys", "alice", "--remove", &id], "");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );

    assert_eq!(stored_passkeys(&app), 0);
    assert_eq!(app.me(&login.access_token).await.status(), 401);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
}
