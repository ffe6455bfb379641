use crate::helpers::*;

#[tokio::test]
async fn login_returns_a_token_and_an_http_only_refresh_cookie() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let response = app.login("alice", "alice-password").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookie(response.headers()).expect("Set-Cookie");
    assert_eq!(cookie.name, "refresh_token");
    assert!(cookie.value.len() >= 43, "at least 256 bits, base64url");
    assert!(cookie.attribute("httponly").is_some());
    assert!(cookie.attribute("secure").is_some());
    assert_eq!(cookie.attribute("samesite"), Some("Strict"));
    assert_eq!(cookie.attribute("path"), Some("/user"));
    let max_age: i64 = cookie.attribute("max-age").unwrap().parse().unwrap();
    assert!((7 * 86_400 - 5..=7 * 86_400).contains(&max_age), "seconds left in the session, got {max_age}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["token_expiry"], 300);
}
