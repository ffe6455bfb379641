//! What passkeys do around them: other sessions end on a registration, the audit trail records
//! them, a passkey session is a second-factor session for access rules, and `--public-url`
//! names the relying party and the origin.

use serde_json::{json, Value};

use super::*;
use crate::audit::events_when;

#[tokio::test]
async fn registering_a_passkey_ends_the_users_other_sessions_only() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    app.add_user("bob", "bob-password", false);
    let other = app.login_ok("alice", "alice-password").await;
    let this = app.login_ok("alice", "alice-password").await;
    let bob = app.login_ok("bob", "bob-password").await;

    let mut key = soft_key(&app);
    register_ok(
        &app,
        &this.access_token,
        "alice-password",
        &mut key,
        "laptop",
    )
    .await;

    assert_eq!(app.me(&other.access_token).await.status(), 401);
    assert_eq!(app.refresh(&other.cookie).await.status(), 401);
    assert_eq!(app.me(&this.access_token).await.status(), 200);
    app.refresh_ok(&this.cookie).await;
    app.refresh_ok(&bob.cookie).await;
}

#[tokio::test]
async fn adding_removing_and_signing_in_with_a_passkey_are_audited() {
    let app = spawn_app().await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    sign_in_ok(&app, &mut key).await;
    let id = list(&app, &login.access_token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = app
        .client
        .delete(app.url(&format!("/user/passkeys/{id}")))
        .bearer_auth(&login.access_token)
        .json(&json!({"current_password": "alice-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);

    let of_alice = |events: &[Value], name: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["event"] == name && e["username"] == "alice")
            .cloned()
            .collect()
    };
    let events = events_when(&app, &admin.access_token, |e| {
        ["passkey_added", "passkey_removed"]
            .iter()
            .all(|name| !of_alice(e, name).is_empty())
            && of_alice(e, "login_ok")
                .iter()
                .any(|e| e["reason"] == "passkey")
    })
    .await;

    assert_eq!(of_alice(&events, "passkey_added").len(), 1);
    assert_eq!(of_alice(&events, "passkey_removed").len(), 1);
    let logins = of_alice(&events, "login_ok");
    assert_eq!(
        logins.iter().filter(|e| e["reason"] == "passkey").count(),
        1,
        "{logins:#?}"
    );
}

#[tokio::test]
async fn a_passkey_session_passes_a_two_factor_access_rule_and_a_password_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    let rules = "default_policy = \"deny\"\n\n[[rules]]\nhosts = [\"grafana.example.com\"]\npolicy = \"two_factor\"\n";
    std::fs::write(&file, rules).unwrap();
    let app = spawn_app_with(&["--access-rules", file.to_str().unwrap()]).await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let passkey = sign_in_ok(&app, &mut key).await;

    let verify = |token: String| {
        app.client
            .get(app.url("/auth/verify"))
            .header("X-Original-URL", "https://grafana.example.com/d/1")
            .header("X-Original-Method", "GET")
            .bearer_auth(token)
            .send()
    };
    let with_passkey = verify(passkey.access_token.clone()).await.unwrap();
    let with_password = verify(login.access_token.clone()).await.unwrap();

    assert_eq!(with_passkey.status(), 200);
    assert_eq!(with_passkey.headers()["x-auth-user"], "alice");
    assert_eq!(with_password.status(), 403);
    assert_eq!(error_of(with_password).await.1, "mfa_required");
    let refreshed = app.refresh_ok(&passkey.cookie).await;
    assert_eq!(verify(refreshed.access_token).await.unwrap().status(), 200);
}

#[tokio::test]
async fn with_a_public_url_its_host_is_the_rp_id_and_its_origin_is_the_one_expected() {
    let app = spawn_app_with(&["--public-url", "https://auth.example.com"]).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;
    let (challenge_id, options) = registration_options(&app, token, "alice-password").await;
    assert_eq!(options["publicKey"]["rp"]["id"], "auth.example.com");

    let mut local = soft_key(&app);
    let refused = finish_registration(&app, token, &challenge_id, "x", local.register(&options));
    assert_refused_registration(refused.await).await;
    let mut key = SoftPasskey::new("auth.example.com", "https://auth.example.com");
    register_ok(&app, token, "alice-password", &mut key, "laptop").await;

    sign_in_ok(&app, &mut key).await;
    key.origin = origin(&app);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
}

#[tokio::test]
async fn the_rp_id_setting_overrides_the_public_urls_host() {
    let app = spawn_app_with(&[
        "--public-url",
        "https://auth.example.com",
        "--webauthn-rp-id",
        "example.com",
    ])
    .await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let mut key = SoftPasskey::new("example.com", "https://auth.example.com");

    let (_, options) = registration_options(&app, &login.access_token, "alice-password").await;
    assert_eq!(options["publicKey"]["rp"]["id"], "example.com");
    register_ok(
        &app,
        &login.access_token,
        "alice-password",
        &mut key,
        "laptop",
    )
    .await;

    sign_in_ok(&app, &mut key).await;
}
