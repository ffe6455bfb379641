//! Each page rendered: its headers, its fields, and hostile names or `rd` values shown only
//! escaped.

use actix_web::body::MessageBody;

use super::*;

const HOSTILE: &str = "\"><script>alert(1)</script>";
/// The one script a portal page may load: the sign-in page's passkey button, a file of its own.
const PASSKEY_SCRIPT: &str = r#"<script type="module" src="/static/portal-passkey.js"></script>"#;

fn html(response: HttpResponse) -> String {
    let bytes = response.into_body().try_into_bytes().ok().unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn header_of(response: &HttpResponse, name: header::HeaderName) -> &str {
    response.headers().get(name).unwrap().to_str().unwrap()
}

fn assert_portal_headers(response: &HttpResponse) {
    assert_eq!(
        header_of(response, header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(response, header::CACHE_CONTROL), "no-store");
    assert_eq!(header_of(response, header::X_FRAME_OPTIONS), "DENY");
    assert_eq!(
        header_of(response, header::CONTENT_SECURITY_POLICY),
        "frame-ancestors 'none'; script-src 'self'"
    );
    assert_eq!(header_of(response, header::REFERRER_POLICY), "same-origin");
}

fn assert_escaped(page: &str) {
    let page = &page.replacen(PASSKEY_SCRIPT, "", 1);
    assert!(!page.contains("<script"), "{page}");
    assert!(
        !page.contains(HOSTILE) && !page.contains("\"><script"),
        "{page}"
    );
    // The escaper spells `<` and `>` as numeric references.
    assert!(page.contains("&#60;script&#62;"), "{page}");
}

#[test]
fn the_sign_in_page_has_its_fields_and_escapes_what_it_shows_again() {
    let form = SignInForm {
        username: HOSTILE.into(),
        rd: Some(format!("https://app.example.com/?q={HOSTILE}")),
        error: Some("Incorrect username or password".into()),
    };
    let response = sign_in_page(StatusCode::UNAUTHORIZED, &form);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_portal_headers(&response);
    let page = html(response);
    assert_escaped(&page);
    assert!(page.contains(r#"action="/login""#));
    assert!(page.contains(r#"<label for="username">"#) && page.contains(r#"id="username""#));
    assert!(page.contains(r#"autocomplete="username""#));
    assert!(page.contains(r#"autocomplete="current-password""#));
    assert!(page.contains(r#"type="hidden" name="rd""#));
    assert!(page.contains("Incorrect username or password"));
    let rest = page.replacen(PASSKEY_SCRIPT, "", 1);
    assert!(!rest.contains("<script") && !page.contains(" style="));
}

#[test]
fn the_sign_in_page_offers_a_passkey_button_that_starts_hidden() {
    let page = html(sign_in_page(StatusCode::OK, &SignInForm::default()));
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(page.contains(PASSKEY_SCRIPT), "{page}");
    assert!(page.contains(r#"<div id="passkey-sign-in" class="passkey-sign-in" hidden>"#));
    assert!(page
        .contains(r#"<button id="passkey-button" type="button">Sign in with a passkey</button>"#));
    // The form before it works as it is, without the script.
    assert!(page.find(r#"action="/login""#) < page.find("passkey-sign-in"));
}

#[test]
fn without_rd_or_error_neither_is_on_the_page() {
    let page = html(sign_in_page(StatusCode::OK, &SignInForm::default()));
    assert!(!page.contains(r#"name="rd""#));
    assert!(!page.contains(r#"class="error""#));
}

#[test]
fn the_code_page_carries_the_token_and_rd_and_accepts_recovery_codes() {
    let form = CodeForm {
        mfa_token: HOSTILE.into(),
        rd: Some(HOSTILE.into()),
        error: Some(HOSTILE.into()),
    };
    let response = code_page(StatusCode::OK, &form);
    assert_portal_headers(&response);
    let page = html(response);
    assert_escaped(&page);
    assert!(page.contains(r#"action="/login/code""#));
    assert!(page.contains(r#"name="mfa_token""#) && page.contains(r#"name="rd""#));
    assert!(page.contains(r#"<label for="code">"#));
    assert!(page.contains(r#"autocomplete="one-time-code""#));
    assert!(page.contains("recovery code"));
}

#[test]
fn the_signed_in_page_names_the_user_and_offers_sign_out() {
    let response = signed_in_page(HOSTILE);
    assert_eq!(response.status(), StatusCode::OK);
    assert_portal_headers(&response);
    let page = html(response);
    assert_escaped(&page);
    assert!(page.contains("Signed in as &#34;&#62;&#60;script&#62;"));
    assert!(page.contains(r#"<form method="post" action="/logout">"#));
    assert!(page.contains(r#"href="/""#));
}

#[test]
fn the_problem_page_says_when_to_retry() {
    let response = problem_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        HOSTILE,
        Some(42),
    );
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_portal_headers(&response);
    assert_eq!(header_of(&response, header::RETRY_AFTER), "42");
    let page = html(response);
    assert_escaped(&page);
    assert!(page.contains("try again in 42 seconds"));
    assert!(page.contains("<h1>Too many attempts</h1>"));
}

#[test]
fn a_problem_without_a_wait_has_no_retry_after() {
    let response = problem_page(StatusCode::FORBIDDEN, "Refused", "Not from here.", None);
    assert!(response.headers().get(header::RETRY_AFTER).is_none());
    assert!(!html(response).contains("try again"));
}
