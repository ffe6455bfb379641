use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

#[tokio::test]
async fn creating_a_user_returns_201_with_its_record_and_it_can_log_in() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({"username": "carol", "password": "carol-password", "email": "carol@example.com", "full_name": "Carol Doe"});

    let response = send(&app, Method::POST, "/admin/users", Some(&token), Some(body)).await;

    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "/admin/users/carol");
    let record = json(response).await;
    let created_at = record["created_at"]
        .as_str()
        .expect("created_at")
        .to_string();
    assert!(created_at.ends_with('Z'));
    assert_eq!(
        record,
        json!({"id": "carol", "username": "carol", "email": "carol@example.com", "full_name": "Carol Doe",
               "disabled": false, "admin": false, "created_at": created_at, "groups": [], "mfa": false,
               "passkeys": 0})
    );
    assert_eq!(
        call(&app, &token, Method::GET, "/admin/users/carol", None).await,
        (200, record)
    );
    app.login_ok("carol", "carol-password").await;
}

#[tokio::test]
async fn a_taken_username_is_409_in_any_letter_case() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let carol = json!({"username": "carol", "password": "carol-password"});
    assert_eq!(
        call(&app, &token, Method::POST, "/admin/users", Some(carol))
            .await
            .0,
        201
    );

    for name in ["carol", "CAROL", "admin"] {
        let body = json!({"username": name, "password": "other-password"});
        let response = send(&app, Method::POST, "/admin/users", Some(&token), Some(body)).await;
        assert_eq!(response.status(), 409, "{name}");
        assert_eq!(error_of(response).await.1, "conflict");
    }
    app.login_ok("carol", "carol-password").await;
}

#[tokio::test]
async fn invalid_new_users_are_422_and_not_created() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let cases = [
        json!({"username": "has space", "password": "long-enough"}),
        json!({"username": "x".repeat(65), "password": "long-enough"}),
        json!({"username": "", "password": "long-enough"}),
        json!({"password": "long-enough"}),
        json!({"username": "dave", "password": "short"}),
        json!({"username": "dave", "password": "p".repeat(1025)}),
        json!({"username": "dave"}),
        json!({"username": "dave", "password": "long-enough", "email": "not-an-email"}),
        // Right-to-left override and zero-width space: format characters.
        json!({"username": "dave", "password": "long-enough", "email": "dave\u{202E}@example.com"}),
        json!({"username": "dave", "password": "long-enough", "full_name": "Dave \u{202E}gnp.exe"}),
        json!({"username": "dave", "password": "long-enough", "full_name": "Da\u{200B}ve"}),
        json!({"username": "dave", "password": "long-enough", "admin": "yes"}),
        json!({"username": "dave", "password": "long-enough", "role": "admin"}),
    ];
    for body in cases {
        let response = send(
            &app,
            Method::POST,
            "/admin/users",
            Some(&token),
            Some(body.clone()),
        )
        .await;
        assert_eq!(response.status(), 422, "{body}");
        assert_eq!(error_of(response).await.1, "invalid_request");
    }
    let (_, list) = call(&app, &token, Method::GET, "/admin/users", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "only the admin exists");
}

#[tokio::test]
async fn an_unknown_username_is_404_on_every_route() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let change = Some(json!({"full_name": "Nobody"}));
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, change.clone()),
        (Method::PATCH, change),
        (Method::DELETE, None),
    ] {
        let response = send(
            &app,
            method.clone(),
            "/admin/users/ghost",
            Some(&token),
            body,
        )
        .await;
        assert_eq!(response.status(), 404, "{method}");
        assert_eq!(
            error_of(response).await,
            ("User not found".into(), "not_found".into())
        );
    }
}

#[tokio::test]
async fn patch_changes_only_the_fields_it_carries_and_null_clears_a_text_field() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let bob = app.login_ok("bob", "bob-password").await;

    let (status, record) = call(
        &app,
        &token,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"full_name": "Robert"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (record["full_name"].as_str(), record["email"].as_str()),
        (Some("Robert"), Some("bob@example.com"))
    );
    let (_, record) = call(
        &app,
        &token,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"email": null})),
    )
    .await;
    assert_eq!(
        (record["full_name"].as_str(), record["email"].is_null()),
        (Some("Robert"), true)
    );
    app.refresh_ok(&bob.cookie).await;
    assert_eq!(
        app.me(&bob.access_token).await.status(),
        200,
        "a profile edit ends no session"
    );
}

#[tokio::test]
async fn put_ignores_id_and_created_at_and_keeps_the_fields_it_does_not_carry() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let (_, before) = call(&app, &token, Method::GET, "/admin/users/bob", None).await;
    let record = json!({"id": "someone-else", "username": "bob", "email": "robert@example.com",
                        "full_name": "Robert", "created_at": "1999-01-01T00:00:00Z", "password": ""});

    let (status, after) = call(&app, &token, Method::PUT, "/admin/users/bob", Some(record)).await;

    assert_eq!(status, 200);
    assert_eq!(after["id"], "bob");
    assert_eq!(after["created_at"], before["created_at"]);
    assert_eq!(after["email"], "robert@example.com");
    assert_eq!(after["full_name"], "Robert");
    assert_eq!(
        (&after["admin"], &after["disabled"]),
        (&before["admin"], &before["disabled"])
    );
    app.login_ok("bob", "bob-password").await;
}

#[tokio::test]
async fn a_rename_or_a_malformed_field_in_an_update_is_422_and_changes_nothing() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let (_, before) = call(&app, &token, Method::GET, "/admin/users/bob", None).await;
    let cases = [
        (Method::PUT, json!({"username": "robert"})),
        (Method::PATCH, json!({"email": "robert at example"})),
        (Method::PATCH, json!({"admin": "yes"})),
        (Method::PATCH, json!({"role": "admin"})),
    ];
    for (method, body) in cases {
        let (status, _) = call(&app, &token, method, "/admin/users/bob", Some(body.clone())).await;
        assert_eq!(status, 422, "{body}");
    }
    assert_eq!(
        call(&app, &token, Method::GET, "/admin/users/bob", None)
            .await
            .1,
        before
    );
}

#[tokio::test]
async fn a_new_user_may_be_created_as_a_disabled_admin() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({"username": "ops@example", "password": "ops-password", "admin": true, "disabled": true});

    let (status, record) = call(&app, &token, Method::POST, "/admin/users", Some(body)).await;

    assert_eq!(status, 201);
    assert_eq!(
        (&record["admin"], &record["disabled"]),
        (&json!(true), &json!(true))
    );
    assert!(record["email"].is_null() && record["full_name"].is_null());
    assert_eq!(app.login("ops@example", "ops-password").await.status(), 401);
    // React Admin percent-encodes ids in paths.
    let (status, fetched) = call(
        &app,
        &token,
        Method::GET,
        "/admin/users/ops%40example",
        None,
    )
    .await;
    assert_eq!((status, fetched), (200, record));
}
