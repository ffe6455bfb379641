//! Security headers: every API answer forbids MIME sniffing and referrers; the HTML page has a
//! strict Content-Security-Policy.

use reqwest::Response;

use crate::helpers::*;

fn assert_security_headers(response: &Response) {
    let headers = response.headers();
    let path = response.url().path();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
}

#[tokio::test]
async fn api_answers_forbid_mime_sniffing_and_referrers_errors_included() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);

    let login = app.login("alice", "alice-password").await;
    assert_eq!(login.status(), 200);
    assert_security_headers(&login);
    for (path, status) in [
        ("/healthz", 200),
        ("/user/me", 401),
        ("/no/such/route", 404),
        ("/user/token", 405),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_security_headers(&response);
    }
    let throttled_or_refused = app.login("alice", "wrong-password").await;
    assert_security_headers(&throttled_or_refused);
}

#[tokio::test]
async fn the_pages_allow_no_inline_script_and_no_framing() {
    let app = spawn_app().await;
    for path in ["/", "/admin/"] {
        page_allows_no_inline_script_and_no_framing(&app, path).await;
    }
}

async fn page_allows_no_inline_script_and_no_framing(app: &TestApp, path: &str) {
    let response = app.client.get(app.url(path)).send().await.unwrap();

    assert_eq!(response.status(), 200);
    assert_security_headers(&response);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("CSP {csp:?} has no {name}"))
            .to_string()
    };
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    assert_eq!(directive("script-src"), "script-src 'self'");
    directive("default-src");
    assert!(
        !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    // The policy would block inline code, so the page must not rely on any.
    let page = response.text().await.unwrap().to_ascii_lowercase();
    for tag in page.split("<script").skip(1) {
        let open_tag = &tag[..tag.find('>').expect("a closed script tag")];
        assert!(
            open_tag.contains("src="),
            "{path}: inline script: <script{open_tag}>"
        );
    }
    assert!(!page.contains("javascript:"));
    for handler in [
        " onclick=",
        " onload=",
        " onsubmit=",
        " oninput=",
        " onchange=",
    ] {
        assert!(!page.contains(handler), "{path}: inline handler {handler}");
    }
}

#[tokio::test]
async fn the_console_is_at_admin_slash_and_admin_leads_there() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let bare = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/admin/");
    let page = client.get(app.url("/admin/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/static/admin.js"), "{html}");
    // Every file the console loads is served.
    for asset in [
        "admin.css",
        "admin.js",
        "admin-table.js",
        "admin-users.js",
        "admin-user.js",
        "admin-audit.js",
        "admin-keys.js",
        "sign-in.js",
    ] {
        let response = client
            .get(app.url(&format!("/static/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
    }
}
