//! Request limits: bodies over 16 KiB are 413, unreadable or incomplete bodies 422, a wrong type
//! 415; unknown routes and methods get JSON 404/405.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::helpers::*;

const LIMIT: usize = 16 * 1024;

/// A login form of exactly `len` bytes.
fn form_of_len(len: usize) -> String {
    let head = "username=alice&password=";
    format!("{head}{}", "x".repeat(len - head.len()))
}

async fn post_login(
    app: &TestApp,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.client
        .post(app.url("/user/token"))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status, "{}", response.url());
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let (detail, got) = error_of(response).await;
    assert_eq!(got, code, "{detail}");
    detail
}

/// Sends raw bytes over one connection and returns the status and body.
fn raw_exchange(port: u16, request: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // The server may answer before reading everything: a failed write is fine.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn a_body_over_16_kib_is_413_as_a_form_or_as_json() {
    let app = spawn_app().await;

    let form = form_of_len(LIMIT + 1024);
    let response = post_login(&app, "application/x-www-form-urlencoded", form).await;
    let detail = assert_error(response, 413, "too_large").await;
    assert!(detail.contains("16 KiB"), "{detail}");
    let json = format!(
        r#"{{"username":"alice","password":"{}"}}"#,
        "x".repeat(LIMIT + 1024)
    );
    let response = post_login(&app, "application/json", json).await;
    assert_error(response, 413, "too_large").await;
}

#[tokio::test]
async fn a_body_of_exactly_16_kib_is_read() {
    let app = spawn_app().await;

    let response = post_login(
        &app,
        "application/x-www-form-urlencoded",
        form_of_len(LIMIT),
    )
    .await;

    assert_error(response, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn a_chunked_body_without_content_length_is_cut_at_16_kib() {
    let app = spawn_app().await;
    let mut request = b"POST /user/token HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Content-Type: application/x-www-form-urlencoded\r\n\
        Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        .to_vec();
    for chunk in form_of_len(LIMIT + 1024).as_bytes().chunks(1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");

    let port = app.port;
    let (status, body) = tokio::task::spawn_blocking(move || raw_exchange(port, &request))
        .await
        .unwrap();

    assert_eq!(status, 413, "{body}");
    assert!(body.contains(r#""code":"too_large""#), "{body}");
}

#[tokio::test]
async fn unreadable_bodies_are_422_with_a_clear_detail() {
    let app = spawn_app().await;
    let cases = [
        (
            "application/json",
            r#"{"username": "alice", "password": "#,
            "JSON",
        ),
        (
            "application/json",
            r#"{"username": 5, "password": "x"}"#,
            "JSON",
        ),
        ("application/json", r#"["alice", "password"]"#, "JSON"),
        ("application/json; charset=utf-8", "not json at all", "JSON"),
        (
            "application/x-www-form-urlencoded",
            "username=a&username=b&password=c",
            "form",
        ),
    ];
    for (content_type, body, kind) in cases {
        let response = post_login(&app, content_type, body).await;
        let detail = assert_error(response, 422, "invalid_request").await;
        assert!(detail.contains(kind), "{body:?} gave {detail:?}");
    }
}

#[tokio::test]
async fn missing_or_blank_fields_are_422_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (
            "application/x-www-form-urlencoded",
            "password=secret-password",
            "username",
        ),
        (
            "application/x-www-form-urlencoded",
            "username=alice&password=",
            "password",
        ),
        ("application/json", r#"{"username": "alice"}"#, "password"),
        (
            "application/json",
            r#"{"username": "  ", "password": "x"}"#,
            "username",
        ),
        ("application/x-www-form-urlencoded", "", "username"),
    ];
    for (content_type, body, field) in cases {
        let response = post_login(&app, content_type, body).await;
        let detail = assert_error(response, 422, "invalid_request").await;
        assert!(detail.contains(field), "{body:?} gave {detail:?}");
    }
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
    ] {
        let response = post_login(&app, content_type, "username=alice&password=x").await;
        let detail = assert_error(response, 415, "unsupported_media_type").await;
        assert!(detail.contains("application/json"), "{detail}");
    }
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/user/nope",
        "/user/token/extra",
        "/static/nope.js",
        "/admin/nope",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let detail = assert_error(response, 404, "not_found").await;
        assert_eq!(detail, "Not Found", "{path}");
    }
    let response = app
        .client
        .post(app.url("/nope"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_error(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = spawn_app().await;
    let cases = [
        (reqwest::Method::GET, "/user/token"),
        (reqwest::Method::DELETE, "/user/me"),
        (reqwest::Method::PUT, "/healthz"),
        (reqwest::Method::PATCH, "/user/refresh-token"),
        (reqwest::Method::GET, "/user/logout"),
    ];
    for (method, path) in cases {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        let detail = assert_error(response, 405, "method_not_allowed").await;
        assert_eq!(detail, "Method Not Allowed", "{method} {path}");
    }
}
