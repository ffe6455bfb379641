//! The portal's passkey button over HTTP: the same ceremony, answered with where the page goes
//! next and the portal cookie; and a relying party id the pages are not within, refused at start.

use std::process::Command;

use serde_json::json;

use super::{alice_with_a_passkey, challenge_of};
use crate::helpers::*;

#[tokio::test]
async fn a_portal_passkey_sign_in_sets_the_portal_cookie_and_names_the_allowed_rd() {
    let app = spawn_app_with(&["--cookie-secure", "false"]).await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let begun = app
        .client
        .post(app.url("/login/passkey"))
        .send()
        .await
        .unwrap();
    assert_eq!(begun.status(), 200);
    let (challenge_id, options) = challenge_of(begun).await;
    let rd = format!("http://127.0.0.1:{}/grafana/", app.port);
    let body = json!({"challenge_id": challenge_id, "credential": key.assert(&options), "rd": rd});
    let finished = app
        .client
        .post(app.url("/login/passkey/finish"))
        .json(&body);
    let finished = finished.send().await.unwrap();

    assert_eq!(finished.status(), 200);
    let cookie = set_cookie(finished.headers()).expect("the portal cookie");
    assert_eq!(cookie.name, "latchkey_portal");
    let answer: serde_json::Value = finished.json().await.unwrap();
    assert_eq!(answer, json!({"location": rd}));
    let verified = app.client.get(app.url("/auth/verify"));
    let verified = verified.header("Cookie", format!("latchkey_portal={}", cookie.value));
    let verified = verified.send().await.unwrap();
    assert_eq!(verified.status(), 200);
    assert_eq!(verified.headers()["x-auth-user"], "alice");
}

#[tokio::test]
async fn a_refused_portal_passkey_is_a_json_401_and_a_foreign_page_gets_403() {
    let app = spawn_app().await;
    let (_, mut key) = alice_with_a_passkey(&app).await;
    let begun = app
        .client
        .post(app.url("/login/passkey"))
        .send()
        .await
        .unwrap();
    let (challenge_id, options) = challenge_of(begun).await;
    let credential = key.assert(&options);
    let body = json!({"challenge_id": challenge_id, "credential": credential});

    let foreign = app
        .client
        .post(app.url("/login/passkey/finish"))
        .json(&body);
    let foreign = foreign
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "a cross-origin page is refused");
    let replayed = app
        .client
        .post(app.url("/login/passkey/finish"))
        .json(&body);
    let replayed = replayed.send().await.unwrap();
    assert_eq!(
        replayed.status(),
        200,
        "the refused request used nothing up"
    );
    let again = app
        .client
        .post(app.url("/login/passkey/finish"))
        .json(&body);
    let again = again.send().await.unwrap();
    assert!(set_cookie(again.headers()).is_none());
    assert_eq!(
        error_of(again).await,
        (
            "Incorrect username or password".into(),
            "invalid_credentials".into()
        )
    );
}

#[test]
fn a_relying_party_id_the_pages_are_not_within_is_refused_at_start_saying_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-created.db");
    let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--public-url", "https://auth.example.com"])
        .args(["--webauthn-rp-id", "ample.com"])
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--webauthn-rp-id"), "{stderr}");
    assert!(stderr.contains("auth.example.com"), "{stderr}");
    assert!(!db.exists(), "nothing was opened");
}
