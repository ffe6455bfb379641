//! `/docs`: an HTML page whose scripts and styles all come from this server.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_docs_page_loads_only_scripts_and_styles_of_this_server() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    let html = page.text().await.unwrap();
    let urls = referenced_urls(&html);
    assert!(
        urls.iter().filter(|u| u.ends_with(".js")).count() >= 3,
        "{urls:?}"
    );
    assert!(urls.iter().any(|u| u.ends_with(".css")), "{urls:?}");
    assert!(
        !html.contains("<script>") && !html.contains("<style"),
        "inline code in {html}"
    );
    for url in urls {
        assert!(
            url.starts_with('/') && !url.starts_with("//"),
            "{url} is not on this server"
        );
        let response = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.text().await.unwrap_or_default();
        if url.ends_with("swagger-initializer.js") {
            assert!(body.contains("\"/openapi.json\""), "{body}");
        }
        assert!(!body.is_empty() && !kind.is_empty(), "{url}");
    }
}

/// The `src` of every script and the `href` of every link.
fn referenced_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (tag, attribute) in [("<script", "src=\""), ("<link", "href=\"")] {
        for element in html.split(tag).skip(1) {
            let element = element.split('>').next().unwrap_or_default();
            if let Some(rest) = element.split(attribute).nth(1) {
                urls.push(rest.split('"').next().unwrap_or_default().to_string());
            }
        }
    }
    urls
}
