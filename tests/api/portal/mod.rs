//! The sign-in portal over HTTP: its pages and cookie, forward auth with that cookie, everything that
//! ends its sessions, `?redirect=true`, and the routes the cookie must never open.

mod browser_answers;
mod ended;
mod forward;
mod settings;
mod sign_in;
mod sliding;

use reqwest::Response;

use crate::helpers::*;

/// Where the portal lives and the domain its cookie covers, in these tests.
pub const PUBLIC_URL: &str = "https://auth.example.test";
pub const DOMAIN: &str = "example.test";
/// A page of a protected tool on a sibling host.
pub const TOOL_PAGE: &str = "https://app.example.test/reports?month=3";

/// An app whose portal is `PUBLIC_URL` with the cookie on `DOMAIN`, then `extra` flags.
pub async fn portal_app(extra: &[&str]) -> TestApp {
    let mut flags = vec!["--public-url", PUBLIC_URL, "--cookie-domain", DOMAIN];
    flags.extend_from_slice(extra);
    spawn_app_with(&flags).await
}

/// `POST /login` with the form a browser sends.
pub async fn sign_in(app: &TestApp, username: &str, password: &str, rd: &str) -> Response {
    let form = [("username", username), ("password", password), ("rd", rd)];
    app.client
        .post(app.url("/login"))
        .form(&form)
        .send()
        .await
        .expect("request sent")
}

/// Signs in and returns the portal cookie's value.
pub async fn signed_in(app: &TestApp, username: &str, password: &str) -> String {
    let response = sign_in(app, username, password, TOOL_PAGE).await;
    assert_eq!(response.status(), 303, "sign-in of {username} failed");
    portal_cookie(&response)
}

pub fn portal_cookie(response: &Response) -> String {
    let cookie = set_cookie(response.headers()).expect("a Set-Cookie header");
    assert_eq!(cookie.name, "latchkey_portal");
    cookie.value
}

/// Forward auth as a proxy asks it for a browser carrying `cookie`.
pub async fn verify(app: &TestApp, cookie: &str) -> Response {
    app.client
        .get(app.url("/auth/verify"))
        .header("Cookie", format!("latchkey_portal={cookie}"))
        .send()
        .await
        .expect("request sent")
}

/// `POST /login/code` with the code page's form.
pub async fn code_step(app: &TestApp, token: &str, code: &str) -> Response {
    let form = [("mfa_token", token), ("code", code), ("rd", TOOL_PAGE)];
    let response = app
        .client
        .post(app.url("/login/code"))
        .form(&form)
        .send()
        .await;
    response.expect("request sent")
}

/// Signs in an enrolled user with password and the next code; the portal cookie.
pub async fn signed_in_with_code(
    app: &TestApp,
    user: &str,
    password: &str,
    secret: &str,
    step: i64,
) -> String {
    let page = sign_in(app, user, password, TOOL_PAGE).await;
    assert_eq!(page.status(), 200, "the code page");
    let token = mfa_token_in(&page.text().await.unwrap());
    let code = crate::mfa::code_at(secret, step + 1);
    let response = code_step(app, &token, &code).await;
    assert_eq!(response.status(), 303, "the code was taken");
    portal_cookie(&response)
}

/// The user's sessions of kind `portal`, as `GET /user/sessions` lists them.
pub async fn portal_sessions(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let response = app.get_with_token("/user/sessions", token).await;
    assert_eq!(response.status(), 200);
    let list: Vec<serde_json::Value> = response.json().await.unwrap();
    list.into_iter().filter(|s| s["kind"] == "portal").collect()
}

/// The value of the code page's hidden `mfa_token` field.
pub fn mfa_token_in(page: &str) -> String {
    let (_, after) = page
        .split_once(r#"name="mfa_token" value=""#)
        .expect("the code page carries an mfa_token");
    after.split('"').next().unwrap().to_string()
}

/// The headers every portal page carries.
pub fn assert_portal_headers(response: &Response) {
    let headers = response.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(
        headers["content-security-policy"],
        "frame-ancestors 'none'; script-src 'self'"
    );
}
