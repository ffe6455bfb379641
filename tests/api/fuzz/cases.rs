//! What the fuzz test sends: mostly well-aimed requests (a route's own method, a real token,
//! plausible fields), the rest anything at all.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proptest::prelude::*;
use proptest::sample::select;
use reqwest::Method;
use serde_json::{json, Value};

/// Every route with each method it answers.
const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/user/token"),
    ("GET", "/user/refresh-token"),
    ("POST", "/user/refresh-token"),
    ("POST", "/user/logout"),
    ("GET", "/user/me"),
    ("GET", "/user/sessions"),
    ("DELETE", "/user/sessions/0123456789abcdef0123456789abcdef"),
    ("DELETE", "/user/sessions/x"),
    ("POST", "/user/logout-all"),
    ("POST", "/user/password"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/x"),
    ("PUT", "/admin/users/alice"),
    ("PATCH", "/admin/users/alice"),
    ("DELETE", "/admin/users/alice"),
    ("GET", "/healthz"),
    ("GET", "/"),
    ("GET", "/static/x"),
    ("GET", "/static/app.css"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const FIELDS: &[&str] = &[
    "username",
    "password",
    "current_password",
    "new_password",
    "email",
    "full_name",
    "admin",
    "disabled",
    "id",
    "created_at",
];
const WORDS: &[&str] = &[
    "alice",
    "admin",
    "carol",
    "x",
    "",
    "   ",
    "long-enough-password",
    "a@example.com",
    "true",
];

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// The admin's live access token.
    Admin,
    /// A plain user's live access token.
    User,
    /// `Authorization: Bearer <this>`.
    Bearer(String),
    /// The whole `Authorization` header.
    Raw(String),
}

#[derive(Clone, Debug)]
pub enum Body {
    Bytes(Vec<u8>),
    Json(Value),
    Form(Vec<(String, String)>),
    OverLimit,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub method: Method,
    pub path: String,
    pub content_type: Option<String>,
    pub body: Body,
    pub auth: Auth,
    /// `None`: no cookie; `Some(None)`: the admin's live one; else this value.
    pub cookie: Option<Option<String>>,
    /// At most one of each: a repeated `Host` is refused before the app.
    pub headers: BTreeMap<&'static str, String>,
}

fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,24}"
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![select(WORDS).prop_map(String::from), text()]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        word().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::from)
    })
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![4 => select(FIELDS).prop_map(String::from), 1 => "[a-z_]{0,8}"]
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Body::Bytes),
        3 => prop::collection::btree_map(field(), json_value(), 0..5)
            .prop_map(|map| Body::Json(json!(map))),
        1 => json_value().prop_map(Body::Json),
        3 => prop::collection::vec((field(), word()), 0..5).prop_map(Body::Form),
        1 => Just(Body::OverLimit),
    ]
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// A route's own method mostly; else any method, path or query.
fn target() -> impl Strategy<Value = (Method, String)> {
    let any_method = select(METHODS).prop_map(method);
    let route = select(ENDPOINTS).prop_map(|(_, path)| path.to_string());
    prop_oneof![
        12 => select(ENDPOINTS).prop_map(|(m, path)| (method(m), path.to_string())),
        2 => (any_method.clone(), route.clone()),
        1 => (any_method.clone(), "/[a-zA-Z0-9._~%/-]{0,40}"),
        1 => (any_method.clone(), "/admin/users/[a-zA-Z0-9%._~!$&'()*+,;=:@-]{0,20}"),
        2 => (any_method, route, "[a-zA-Z0-9_=&%.-]{0,40}")
            .prop_map(|(m, route, query)| (m, format!("{route}?{query}"))),
    ]
}

fn auth() -> impl Strategy<Value = Auth> {
    let claims = r#"{"sub":"admin","sid":"x","admin":true,"iss":"latchkey","exp":4102444800}"#;
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    prop_oneof![
        2 => Just(Auth::None),
        4 => Just(Auth::Admin),
        3 => Just(Auth::User),
        1 => Just(Auth::Bearer(unsigned)),
        1 => "[A-Za-z0-9._-]{0,120}".prop_map(Auth::Bearer),
        1 => "[ -~]{0,40}".prop_map(Auth::Raw),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    let common = select(vec![
        "application/json",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-8",
        "text/plain",
        "multipart/form-data; boundary=x",
    ]);
    prop::option::weighted(
        0.9,
        prop_oneof![4 => common.prop_map(String::from), 1 => "[ -~]{0,30}"],
    )
}

pub fn case() -> impl Strategy<Value = Case> {
    let cookie = prop::option::of(prop::option::of("[ -~]{0,60}"));
    let header_name = select(vec![
        "origin",
        "sec-fetch-site",
        "x-forwarded-for",
        "user-agent",
        "host",
        "accept",
    ]);
    let headers = prop::collection::btree_map(header_name, text(), 0..3);
    (target(), content_type(), body(), auth(), cookie, headers).prop_map(
        |((method, path), content_type, body, auth, cookie, headers)| Case {
            method,
            path,
            content_type,
            body,
            auth,
            cookie,
            headers,
        },
    )
}
