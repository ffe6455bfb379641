use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

#[tokio::test]
async fn disabling_a_user_ends_its_sessions_and_enabling_does_not_revive_them() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let bob = app.login_ok("bob", "bob-password").await;

    let (status, record) = call(
        &app,
        &token,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"disabled": true})),
    )
    .await;

    assert_eq!((status, &record["disabled"]), (200, &json!(true)));
    let refused = app.refresh(&bob.cookie).await;
    assert_eq!(error_of(refused).await.1, "user_disabled");
    assert_eq!(app.me(&bob.access_token).await.status(), 401);
    assert_eq!(app.login("bob", "bob-password").await.status(), 401);
    call(
        &app,
        &token,
        Method::PUT,
        "/admin/users/bob",
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(
        app.refresh(&bob.cookie).await.status(),
        401,
        "ended sessions stay ended"
    );
    app.login_ok("bob", "bob-password").await;
}

#[tokio::test]
async fn setting_a_password_ends_the_users_sessions_and_replaces_the_old_one() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let bob = app.login_ok("bob", "bob-password").await;

    let short = call(
        &app,
        &token,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"password": "short"})),
    )
    .await;
    assert_eq!(short.0, 422);
    app.refresh_ok(&bob.cookie).await;
    let (status, record) = call(
        &app,
        &token,
        Method::PATCH,
        "/admin/users/bob",
        Some(json!({"password": "fresh-password"})),
    )
    .await;

    assert_eq!(status, 200);
    assert!(record.get("password").is_none() && !record.to_string().contains("argon2"));
    assert_eq!(app.me(&bob.access_token).await.status(), 401);
    assert_eq!(app.login("bob", "bob-password").await.status(), 401);
    app.login_ok("bob", "fresh-password").await;
}

#[tokio::test]
async fn deleting_a_user_returns_its_record_and_ends_its_sessions() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let token = admin_token(&app).await;
    let bob = app.login_ok("bob", "bob-password").await;
    let (_, before) = call(&app, &token, Method::GET, "/admin/users/bob", None).await;

    let (status, deleted) = call(&app, &token, Method::DELETE, "/admin/users/bob", None).await;

    assert_eq!((status, &deleted), (200, &before));
    assert_eq!(
        error_of(app.refresh(&bob.cookie).await).await.1,
        "not_found"
    );
    assert_eq!(app.me(&bob.access_token).await.status(), 401);
    assert_eq!(
        call(&app, &token, Method::GET, "/admin/users/bob", None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_deleted_disabled_or_demoted() {
    let app = spawn_app().await;
    app.add_user("spare", "spare-password", true);
    let token = admin_token(&app).await;
    // A disabled admin does not count as another admin.
    let disable = Some(json!({"disabled": true}));
    assert_eq!(
        call(&app, &token, Method::PATCH, "/admin/users/spare", disable)
            .await
            .0,
        200
    );
    let attempts = [
        (Method::DELETE, None),
        (Method::PATCH, Some(json!({"disabled": true}))),
        (Method::PATCH, Some(json!({"admin": false}))),
        (
            Method::PUT,
            Some(json!({"username": "admin", "admin": false})),
        ),
    ];
    for (method, body) in attempts {
        let response = send(
            &app,
            method.clone(),
            "/admin/users/admin",
            Some(&token),
            body,
        )
        .await;
        assert_eq!(response.status(), 409, "{method}");
        let (detail, code) = error_of(response).await;
        assert_eq!(code, "conflict");
        assert!(detail.contains("last enabled admin"), "{detail}");
    }
    assert_eq!(
        app.me(&token).await.status(),
        200,
        "the admin and its session are untouched"
    );
}

#[tokio::test]
async fn with_another_enabled_admin_an_admin_can_be_demoted_and_then_deleted() {
    let app = spawn_app().await;
    app.add_user("spare", "spare-password", true);
    let token = admin_token(&app).await;
    let demote = Some(json!({"admin": false}));

    let (status, record) = call(&app, &token, Method::PATCH, "/admin/users/admin", demote).await;

    assert_eq!((status, &record["admin"]), (200, &json!(false)));
    let spare = app.login_ok("spare", "spare-password").await.access_token;
    let (status, _) = call(&app, &spare, Method::DELETE, "/admin/users/spare", None).await;
    assert_eq!(status, 409, "spare is now the last enabled admin");
    let (status, _) = call(&app, &spare, Method::DELETE, "/admin/users/admin", None).await;
    assert_eq!(status, 200);
}
