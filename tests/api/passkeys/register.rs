//! Adding a passkey: the creation options, the checks before and after the authenticator answers,
//! and that a refused registration stores nothing.

use serde_json::{json, Value};

use super::*;
use crate::mfa::{code_at, enrolled};

#[tokio::test]
async fn registration_offers_options_requiring_verification_and_a_resident_key_and_stores_the_item()
{
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;

    let (challenge_id, options) = registration_options(&app, token, "alice-password").await;
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rp"]["id"], "localhost");
    assert_eq!(public_key["user"]["name"], "alice");
    let handle = unb64(public_key["user"]["id"].as_str().unwrap());
    assert!(handle.len() >= 16, "a handle of {} bytes", handle.len());
    assert_ne!(handle, b"alice", "the handle is not the username");
    let selection = &public_key["authenticatorSelection"];
    assert_eq!(selection["userVerification"], "required");
    assert_eq!(selection["residentKey"], "required");
    assert!(!unb64(public_key["challenge"].as_str().unwrap()).is_empty());

    let mut key = soft_key(&app);
    let credential = key.register(&options);
    let response = finish_registration(&app, token, &challenge_id, "laptop", credential).await;

    assert_eq!(response.status(), 201);
    let item: Value = response.json().await.unwrap();
    assert_eq!(item["name"], "laptop");
    assert_eq!(item["last_used_at"], Value::Null);
    assert!(item["id"].as_str().is_some_and(|id| !id.is_empty()));
    let created = item["created_at"].as_str().expect("created_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    assert_eq!(list(&app, token).await, vec![item]);
    assert_eq!(stored_passkeys(&app), 1);
}

#[tokio::test]
async fn registration_needs_the_current_password_and_the_code_of_a_user_with_totp() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = &alice.login.access_token;

    let wrong = begin_registration(&app, &bob.access_token, json!({"current_password": "nope"}));
    let wrong = wrong.await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(error_of(wrong).await.1, "invalid_credentials");
    let missing = begin_registration(&app, &bob.access_token, json!({})).await;
    assert_eq!(missing.status(), 422);

    let no_code = begin_registration(&app, token, json!({"current_password": "alice-password"}));
    let no_code = no_code.await;
    assert_eq!(no_code.status(), 400);
    assert_eq!(error_of(no_code).await.1, "invalid_code");
    let body = json!({"current_password": "alice-password", "code": "000000"});
    let wrong_code = begin_registration(&app, token, body).await;
    assert_eq!(wrong_code.status(), 400);
    assert_eq!(error_of(wrong_code).await.1, "invalid_code");
    let code = code_at(&alice.secret, alice.step + 1);
    let body = json!({"current_password": "alice-password", "code": code});
    let right = begin_registration(&app, token, body).await;
    assert_eq!(right.status(), 200);
    let (challenge_id, options) = challenge_of(right).await;

    let mut key = soft_key(&app);
    let response = finish_registration(&app, token, &challenge_id, "phone", key.register(&options));
    assert_eq!(response.await.status(), 201);
}

#[tokio::test]
async fn a_second_registration_excludes_the_credentials_the_user_has() {
    let app = spawn_app().await;
    let (login, first) = alice_with_a_passkey(&app).await;

    let (_, options) = registration_options(&app, &login.access_token, "alice-password").await;

    let excluded: Vec<&str> = options["publicKey"]["excludeCredentials"]
        .as_array()
        .expect("excludeCredentials")
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, [b64(&first.credential_id)]);
}

#[tokio::test]
async fn an_answer_for_another_origin_or_rp_id_or_without_verification_is_refused_and_not_stored() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;
    let mut wrong_origin = SoftPasskey::new("localhost", "http://evil.example");
    let mut wrong_rp = SoftPasskey::new("evil.example", &origin(&app));
    let mut unverified = soft_key(&app);
    unverified.user_verified = false;

    for key in [&mut wrong_origin, &mut wrong_rp, &mut unverified] {
        let (challenge_id, options) = registration_options(&app, token, "alice-password").await;
        let credential = key.register(&options);
        let response = finish_registration(&app, token, &challenge_id, "x", credential).await;
        assert_refused_registration(response).await;
    }

    assert_eq!(stored_passkeys(&app), 0);
    assert!(list(&app, token).await.is_empty());
}

#[tokio::test]
async fn a_registration_challenge_is_single_use_expires_and_must_be_known() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;
    let (used, options) = registration_options(&app, token, "alice-password").await;
    let mut key = soft_key(&app);
    let first = finish_registration(&app, token, &used, "one", key.register(&options)).await;
    assert_eq!(first.status(), 201);

    let mut again = soft_key(&app);
    let reused = finish_registration(&app, token, &used, "two", again.register(&options)).await;
    assert_refused_registration(reused).await;
    let unknown = finish_registration(&app, token, "no-such", "two", again.register(&options));
    assert_refused_registration(unknown.await).await;
    let (late, options) = registration_options(&app, token, "alice-password").await;
    app.execute("UPDATE passkey_challenges SET expires_at = 0");
    let expired = finish_registration(&app, token, &late, "two", again.register(&options)).await;
    assert_refused_registration(expired).await;

    assert_eq!(stored_passkeys(&app), 1);
}

#[tokio::test]
async fn a_credential_id_registered_already_is_refused_even_for_another_user() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    app.add_user("bob", "bob-password", false);
    let bob = app.login_ok("bob", "bob-password").await;

    let (challenge_id, options) =
        registration_options(&app, &bob.access_token, "bob-password").await;
    let credential = key.register(&options);
    let response =
        finish_registration(&app, &bob.access_token, &challenge_id, "copy", credential).await;

    assert_refused_registration(response).await;
    assert_eq!(stored_passkeys(&app), 1);
    assert!(list(&app, &bob.access_token).await.is_empty());
}

#[tokio::test]
async fn a_name_of_0_or_65_characters_or_a_credential_that_is_no_object_is_422() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let token = &login.access_token;
    let (challenge_id, options) = registration_options(&app, token, "alice-password").await;
    let mut key = soft_key(&app);
    let credential = key.register(&options);

    for name in [String::new(), "é".repeat(65)] {
        let response =
            finish_registration(&app, token, &challenge_id, &name, credential.clone()).await;
        assert_eq!(
            response.status(),
            422,
            "name of {} chars",
            name.chars().count()
        );
    }
    let text = json!(credential.to_string());
    let response = finish_registration(&app, token, &challenge_id, "ok", text).await;
    assert_eq!(response.status(), 422);
    assert_eq!(stored_passkeys(&app), 0);

    let longest = "é".repeat(64);
    let response = finish_registration(&app, token, &challenge_id, &longest, credential).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap()["name"], longest);
}

#[tokio::test]
async fn a_sign_in_challenge_does_not_finish_a_registration() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    let (challenge_id, sign_in) = sign_in_options(&app).await;
    let (_, mut options) = registration_options(&app, &login.access_token, "alice-password").await;
    options["publicKey"]["challenge"] = sign_in["publicKey"]["challenge"].clone();
    let mut key = soft_key(&app);

    let credential = key.register(&options);
    let response =
        finish_registration(&app, &login.access_token, &challenge_id, "x", credential).await;

    assert_refused_registration(response).await;
    assert_eq!(stored_passkeys(&app), 0);
}
