//! Signing in with a passkey: a login's answer with `amr` `["hwk","mfa"]`, and every way an
//! assertion is refused (401 `invalid_credentials`, counted by the per-address throttle).

use serde_json::{json, Value};

use super::*;

#[tokio::test]
async fn a_passkey_signs_in_as_a_login_does_with_amr_hwk_and_mfa_kept_across_refreshes() {
    let app = spawn_app().await;
    let (login, mut key) = alice_with_a_passkey(&app).await;

    let (challenge_id, options) = sign_in_options(&app).await;
    let public_key = &options["publicKey"];
    assert!(public_key
        .get("allowCredentials")
        .is_none_or(|c| c == &json!([])));
    assert_eq!(public_key["userVerification"], "required");
    assert_eq!(public_key["rpId"], "localhost");
    let response = finish_sign_in(&app, &challenge_id, key.assert(&options)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookie(response.headers()).expect("a refresh cookie");
    assert_eq!(cookie.attribute("path"), Some("/user"));
    assert!(cookie.attribute("httponly").is_some());
    let body: Value = response.json().await.unwrap();
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "token_expiry", "token_type"]);
    assert_eq!(body["token_type"], "bearer");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["amr"], json!(["hwk", "mfa"]));
    let me: Value = app.me(token).await.json().await.unwrap();
    assert_eq!(me["username"], "alice");

    let refreshed = app.refresh_ok(&cookie.value).await;
    assert_eq!(
        claims(&refreshed.access_token)["amr"],
        json!(["hwk", "mfa"])
    );
    let items = list(&app, &login.access_token).await;
    assert!(items[0]["last_used_at"].is_string(), "{items:?}");
}

#[tokio::test]
async fn a_sign_in_challenge_is_single_use_expires_and_an_assertion_is_not_replayed() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let (challenge_id, options) = sign_in_options(&app).await;
    let credential = key.assert(&options);
    assert_eq!(
        finish_sign_in(&app, &challenge_id, credential.clone())
            .await
            .status(),
        200
    );

    let replayed = finish_sign_in(&app, &challenge_id, credential.clone()).await;
    assert_refused_sign_in(replayed).await;
    let unknown = finish_sign_in(&app, "no-such-challenge", credential).await;
    assert_refused_sign_in(unknown).await;
    let (late, options) = sign_in_options(&app).await;
    app.execute("UPDATE passkey_challenges SET expires_at = 0");
    let expired = finish_sign_in(&app, &late, key.assert(&options)).await;
    assert_refused_sign_in(expired).await;
    assert_eq!(sign_in(&app, &mut key).await.status(), 200);
}

#[tokio::test]
async fn an_unknown_credential_or_a_signature_by_another_key_is_refused() {
    let app = spawn_app().await;
    let (_, key) = alice_with_a_passkey(&app).await;
    let mut stranger = soft_key(&app);
    stranger.user_handle = key.user_handle.clone();
    let mut forger = soft_key(&app);
    forger.credential_id = key.credential_id.clone();
    forger.user_handle = key.user_handle.clone();

    assert_refused_sign_in(sign_in(&app, &mut stranger).await).await;
    assert_refused_sign_in(sign_in(&app, &mut forger).await).await;
}

#[tokio::test]
async fn an_assertion_for_another_origin_or_rp_id_or_without_verification_is_refused() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;

    key.origin = "http://evil.example".into();
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    key.origin = format!("http://localhost:{}", app.port + 1);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    key.origin = origin(&app);
    key.rp_id = "evil.example".into();
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    key.rp_id = "localhost".into();
    key.user_verified = false;
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    key.user_verified = true;
    assert_eq!(sign_in(&app, &mut key).await.status(), 200);
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_with_a_passkey() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let disabled = app
        .client
        .patch(app.url("/admin/users/alice"))
        .bearer_auth(&admin.access_token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);

    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
}

#[tokio::test]
async fn a_counter_that_went_backwards_is_refused_and_audited() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    key.set_counter(5);
    sign_in_ok(&app, &mut key).await;

    key.set_counter(5);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;
    key.set_counter(3);
    assert_refused_sign_in(sign_in(&app, &mut key).await).await;

    let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
    let events = crate::audit::events_when(&app, &admin.access_token, |e| {
        e.iter().any(|e| e["event"] == "passkey_counter_regressed")
    })
    .await;
    let regressed = events
        .iter()
        .find(|e| e["event"] == "passkey_counter_regressed")
        .unwrap();
    assert_eq!(regressed["username"], "alice");
    key.set_counter(6);
    assert_eq!(sign_in(&app, &mut key).await.status(), 200);
}

#[tokio::test]
async fn an_authenticator_whose_counter_stays_zero_signs_in_again_and_again() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;

    for _ in 0..3 {
        key.set_counter(0);
        sign_in_ok(&app, &mut key).await;
    }
}

#[tokio::test]
async fn a_registration_challenge_does_not_finish_a_sign_in() {
    let app = spawn_app().await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let (challenge_id, options) =
        registration_options(&app, &login.access_token, "alice-password").await;

    let response = finish_sign_in(&app, &challenge_id, key.assert(&options)).await;

    assert_refused_sign_in(response).await;
}

#[tokio::test]
async fn failed_passkey_sign_ins_count_toward_the_per_address_throttle() {
    let app = spawn_app_with(&["--login-max-failures-per-address", "3"]).await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let mut stranger = soft_key(&app);
    stranger.user_handle = key.user_handle.clone();

    for _ in 0..3 {
        assert_refused_sign_in(sign_in(&app, &mut stranger).await).await;
    }
    let throttled = sign_in(&app, &mut stranger).await;

    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    assert_eq!(error_of(throttled).await.1, "throttled");
    assert_eq!(sign_in(&app, &mut key).await.status(), 429);
}

#[tokio::test]
async fn a_passkey_sign_in_with_the_cookie_of_a_live_session_continues_it() {
    let app = spawn_app().await;
    let (login, mut key) = alice_with_a_passkey(&app).await;
    let before = app.query_i64("SELECT COUNT(*) FROM sessions");
    let (challenge_id, options) = sign_in_options(&app).await;

    let response = app
        .client
        .post(app.url("/user/token/passkey/finish"))
        .header("Cookie", format!("refresh_token={}", login.cookie))
        .json(&json!({"challenge_id": challenge_id, "credential": key.assert(&options)}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let continued = login_from(response).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM sessions"), before);
    let sid = |token: &str| claims(token)["sid"].clone();
    assert_eq!(sid(&continued.access_token), sid(&login.access_token));
}
