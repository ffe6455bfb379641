//! What forward auth answers a browser at the door (an original GET or HEAD asking for HTML): a
//! 401 whose `Location` is the portal's sign-in page (nginx's `auth_request_set` reads it), and
//! under `?redirect=true` a refusal as a page whose links lead to the portal; API clients keep
//! the JSON answers.

use std::io::Write;

use super::*;

const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";
const SIGN_IN: &str =
    "https://auth.example.test/login?rd=https%3A%2F%2Fapp%2Eexample%2Etest%2Freports%3Fmonth%3D3%26year%3D2026";

async fn ask(
    app: &TestApp,
    query: &str,
    method: &str,
    accept: &str,
    cookie: Option<&str>,
) -> Response {
    let mut request = app
        .client
        .get(app.url(&format!("/auth/verify{query}")))
        .header(
            "X-Original-URL",
            "https://app.example.test/reports?month=3&year=2026",
        )
        .header("X-Original-Method", method)
        .header("Accept", accept);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", format!("latchkey_portal={cookie}"));
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn a_browsers_401_names_the_portal_with_the_whole_original_url_in_location() {
    let app = portal_app(&[]).await;

    let browser = ask(&app, "", "GET", BROWSER, None).await;
    assert_eq!(browser.status(), 401);
    assert_eq!(browser.headers()["location"], SIGN_IN);
    assert_eq!(browser.headers()["www-authenticate"], "Bearer");

    for (method, accept) in [("GET", "application/json"), ("POST", BROWSER)] {
        let other = ask(&app, "", method, accept, None).await;
        assert_eq!(other.status(), 401, "{method} {accept}");
        assert!(
            other.headers().get("location").is_none(),
            "{method} {accept}"
        );
    }
}

#[tokio::test]
async fn a_refusal_under_redirect_true_is_a_page_leading_to_the_portal_and_json_for_api_clients() {
    let mut rules = tempfile::NamedTempFile::new().unwrap();
    writeln!(rules, "default_policy = \"deny\"").unwrap();
    let app = portal_app(&["--access-rules", rules.path().to_str().unwrap()]).await;
    app.add_user("alice", "alice-password", false);
    let cookie = signed_in(&app, "alice", "alice-password").await;

    let page = ask(&app, "?redirect=true", "GET", BROWSER, Some(&cookie)).await;
    assert_eq!(page.status(), 403);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = page.text().await.unwrap();
    assert!(body.contains("<h1>Access denied</h1>"), "{body}");
    assert!(
        body.contains("href=\"https://auth.example.test/login\""),
        "{body}"
    );
    assert!(
        body.contains("href=\"https://auth.example.test/static/app.css\""),
        "{body}"
    );

    let api = ask(
        &app,
        "?redirect=true",
        "GET",
        "application/json",
        Some(&cookie),
    )
    .await;
    assert_eq!(api.status(), 403);
    assert_eq!(error_of(api).await.1, "forbidden");
}
