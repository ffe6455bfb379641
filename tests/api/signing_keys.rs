//! EdDSA access tokens: signed with a published Ed25519 key (`kid`), JWKS shape and caching,
//! algorithm-confusion attempts refused, revocation at once, HS256 tokens valid across a switch.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::Value;

use crate::helpers::*;

pub async fn jwks(app: &TestApp) -> (String, Value) {
    let response = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    (cache, response.json().await.unwrap())
}

pub async fn eddsa_alice(flags: &[&str]) -> (TestApp, Login) {
    let mut all = vec!["--jwt-alg", "EdDSA"];
    all.extend_from_slice(flags);
    let app = spawn_app_with(&all).await;
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

fn kid_of(token: &str) -> String {
    decode_header(token).unwrap().kid.expect("a kid")
}

async fn assert_refused(app: &TestApp, token: &str) {
    let response = app.me(token).await;
    assert_eq!(response.status(), 401, "token {token} was accepted");
    assert_eq!(error_of(response).await.1, "invalid_token");
}

#[tokio::test]
async fn an_eddsa_token_names_its_key_and_verifies_with_the_published_one() {
    let (app, login) = eddsa_alice(&[]).await;
    let header = decode_header(&login.access_token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));

    let (cache, set) = jwks(&app).await;

    assert_eq!(cache, "public, max-age=300");
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(
        (&key["kty"], &key["crv"], &key["use"], &key["alg"]),
        (
            &"OKP".into(),
            &"Ed25519".into(),
            &"sig".into(),
            &"EdDSA".into()
        )
    );
    assert_eq!(key["kid"].as_str(), header.kid.as_deref());
    let decoding = DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&["latchkey"]);
    let claims = decode::<Value>(&login.access_token, &decoding, &validation).unwrap();
    assert_eq!(claims.claims["sub"], "alice");
    assert_eq!(app.me(&login.access_token).await.status(), 200);
}

#[tokio::test]
async fn with_hs256_the_key_set_is_empty_and_cacheable() {
    let app = spawn_app().await;

    let (cache, set) = jwks(&app).await;

    assert_eq!(cache, "public, max-age=300");
    assert_eq!(set, serde_json::json!({"keys": []}));
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused() {
    let (app, login) = eddsa_alice(&[]).await;
    let (_, set) = jwks(&app).await;
    let public = URL_SAFE_NO_PAD
        .decode(set["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid_of(&login.access_token));

    let forged = encode(
        &header,
        &claims(&login.access_token),
        &EncodingKey::from_secret(&public).unwrap(),
    )
    .unwrap();

    assert_refused(&app, &forged).await;
}

#[tokio::test]
async fn alg_none_with_a_real_kid_is_refused() {
    let (app, login) = eddsa_alice(&[]).await;
    let head = format!(
        r#"{{"alg":"none","typ":"at+jwt","kid":"{}"}}"#,
        kid_of(&login.access_token)
    );
    let payload = login.access_token.split('.').nth(1).unwrap();

    assert_refused(
        &app,
        &format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(head)),
    )
    .await;
}

#[tokio::test]
async fn an_unknown_kid_or_a_foreign_key_under_the_real_kid_is_refused() {
    let (app, login) = eddsa_alice(&[]).await;
    let parts: Vec<&str> = login.access_token.split('.').collect();
    let mut header = decode_header(&login.access_token).unwrap();
    header.kid = Some("no-such-key".into());
    let renamed = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    assert_refused(&app, &format!("{renamed}.{}.{}", parts[1], parts[2])).await;

    // Ed25519 PKCS#8 of an all-7 seed: a key latchkey never made.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[7u8; 32]);
    let mut real_kid = Header::new(Algorithm::EdDSA);
    real_kid.typ = Some("at+jwt".into());
    real_kid.kid = Some(kid_of(&login.access_token));
    let foreign = encode(
        &real_kid,
        &claims(&login.access_token),
        &EncodingKey::from_ed_der(&der),
    )
    .unwrap();
    assert_refused(&app, &foreign).await;
}

#[tokio::test]
async fn a_token_verified_before_is_still_refused_once_its_session_ends() {
    let (app, login) = eddsa_alice(&[]).await;
    for _ in 0..3 {
        assert_eq!(app.me(&login.access_token).await.status(), 200);
    }

    let ended = crate::bearer::send(
        &app,
        reqwest::Method::POST,
        "/user/logout-all",
        Some(&login.access_token),
        None,
    )
    .await;
    assert_eq!(ended.status(), 204);

    assert_refused(&app, &login.access_token).await;
}
