//! Property test over every route: random methods, bodies, content types, headers, cookies and
//! tokens never get a 5xx, a non-JSON error or a leaked internal, and the server and the database
//! stay sound.

mod cases;

use std::cell::RefCell;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;
use cases::{Auth, Body, Case};

const CASES: u32 = 400;
/// What no answer may contain: a panic, SQL, a password hash, a backtrace.
const LEAKS: &[&str] = &[
    "panicked",
    "SQL",
    "sqlite",
    "$argon2",
    "$2b$",
    "backtrace",
    "src/",
];

/// One live login, renewed when a case ends or rotates it.
struct Session {
    username: &'static str,
    password: &'static str,
    login: Login,
}

fn request(app: &TestApp, sessions: &[Session], case: &Case) -> reqwest::RequestBuilder {
    let mut request = app.client.request(case.method.clone(), app.url(&case.path));
    let body = match &case.body {
        Body::Bytes(bytes) => bytes.clone(),
        Body::Json(value) => value.to_string().into_bytes(),
        Body::Form(pairs) => serde_urlencoded::to_string(pairs).unwrap().into_bytes(),
        Body::OverLimit => vec![b'a'; 17 * 1024],
    };
    request = request.body(body);
    if let Some(content_type) = &case.content_type {
        request = request.header("content-type", content_type);
    }
    request = match &case.auth {
        Auth::None => request,
        Auth::Admin => request.bearer_auth(&sessions[0].login.access_token),
        Auth::User => request.bearer_auth(&sessions[1].login.access_token),
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Raw(value) => request.header("authorization", value),
    };
    match &case.cookie {
        Some(None) => {
            request = request.header(
                "cookie",
                format!("refresh_token={}", sessions[0].login.cookie),
            )
        }
        Some(Some(value)) => request = request.header("cookie", format!("refresh_token={value}")),
        None => {}
    }
    for (name, value) in &case.headers {
        request = request.header(*name, value);
    }
    request
}

fn check(
    case: &Case,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    if status >= 500 {
        return Err(format!("{status} {text}"));
    }
    if headers
        .get("x-content-type-options")
        .is_none_or(|v| v != "nosniff")
    {
        return Err("no nosniff".into());
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("text/html") {
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok());
        if !csp.is_some_and(|csp| csp.contains("frame-ancestors 'none'")) {
            return Err("an HTML page without a framing policy".into());
        }
    }
    if !(200..300).contains(&status) {
        let error: Value =
            serde_json::from_slice(body).map_err(|_| format!("not JSON: {status} {text}"))?;
        if !error["detail"].is_string() || !error["code"].is_string() {
            return Err(format!("not an error body: {status} {text}"));
        }
    }
    let page = case.path == "/"
        || case.path.starts_with("/static/")
        || content_type.starts_with("text/html");
    // An error may quote what was sent; only what the case did not send counts.
    let sent = format!("{case:?}");
    if !(page && (200..300).contains(&status)) {
        let scanned = without_tokens(&text);
        let leaked = LEAKS
            .iter()
            .find(|leak| scanned.contains(*leak) && !sent.contains(*leak));
        if let Some(leak) = leaked {
            return Err(format!("{leak:?} in {status} {text}"));
        }
    }
    Ok(())
}

/// The answer without its JWTs: their random base64url can spell a leak
/// marker such as `SQL` by chance, which is no leak.
fn without_tokens(text: &str) -> std::borrow::Cow<'_, str> {
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").unwrap();
    jwt.replace_all(text, "<jwt>")
}

/// After a case that may have rotated or ended a session: refresh it, or
/// log in again when it was ended.
async fn renew(app: &TestApp, session: &mut Session) {
    let response = app.refresh(&session.login.cookie).await;
    session.login = if response.status() == 200 {
        login_from(response).await
    } else {
        app.login_ok(session.username, session.password).await
    };
}

async fn run_case(
    app: &TestApp,
    sessions: &mut [Session],
    case: Case,
) -> Result<(), TestCaseError> {
    let response = request(app, sessions, &case)
        .send()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let body = response
        .bytes()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    check(&case, status, &headers, &body).map_err(TestCaseError::fail)?;
    if case.method != Method::GET || matches!(case.cookie, Some(None)) {
        for session in sessions.iter_mut() {
            renew(app, session).await;
        }
    }
    Ok(())
}

#[test]
fn no_request_gets_a_5xx_a_bare_error_or_a_leak_and_the_database_stays_sound() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(spawn_app());
    // `alice` is a target of the admin routes; `carol` (a name no case
    // names) keeps a session the cases may end but not delete or disable.
    app.add_user("alice", "alice-password", false);
    app.add_user("carol", "carol-password", false);
    let logins = runtime.block_on(async {
        let admin = app.login_ok("admin", ADMIN_PASSWORD).await;
        (admin, app.login_ok("carol", "carol-password").await)
    });
    let sessions = RefCell::new([
        Session {
            username: "admin",
            password: ADMIN_PASSWORD,
            login: logins.0,
        },
        Session {
            username: "carol",
            password: "carol-password",
            login: logins.1,
        },
    ]);
    let config = Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };

    let outcome = TestRunner::new(config).run(&cases::case(), |case| {
        runtime.block_on(run_case(&app, &mut *sessions.borrow_mut(), case))
    });

    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let health =
        runtime.block_on(async { app.client.get(app.url("/healthz")).send().await.unwrap() });
    assert_eq!(health.status(), 200);
    // PostgreSQL has no integrity check to ask for; its sound answers above suffice.
    if app.config.db.sqlite_path().is_some() {
        let integrity: String = app
            .db()
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
}
