//! The `rd` rule case by case (every trick of the "Bad input" list), then a property test: no
//! spelling put together from those tricks leads anywhere but an allowed host.

use proptest::prelude::*;
use url::Url;

use super::*;

fn rule() -> RedirectRule {
    RedirectRule::new(
        Some("auth.example.com".into()),
        Some("example.com".into()),
        false,
    )
}

fn check(rd: &str) -> Option<String> {
    rule().checked(rd, "auth.example.com")
}

#[test]
fn hosts_of_the_public_url_and_the_cookie_domain_are_honoured() {
    let page = "https://app.example.com/some/page?x=1";
    assert_eq!(check(page).as_deref(), Some(page));
    assert!(check("https://auth.example.com:8443/login").is_some());
    assert!(check("https://example.com/").is_some());
    assert!(check("https://deep.app.example.com/").is_some());
    assert!(check("HTTPS://App.Example.COM./x").is_some());
}

#[test]
fn other_hosts_are_refused() {
    for rd in [
        "https://evil.example/",
        "https://notexample.com/",
        "https://example.com.evil.example/",
        "https://evil.example#@app.example.com",
        "https://evil.example?@app.example.com",
        "https://app.example.com../",
        "https://127.0.0.1/",
    ] {
        assert_eq!(check(rd), None, "{rd}");
    }
}

#[test]
fn relative_and_scheme_tricks_are_refused() {
    for rd in [
        "//evil.example",
        "///evil.example",
        "https:evil.example",
        "https:/app.example.com/",
        "https:app.example.com/",
        "/some/page",
        "javascript:alert(1)",
        "JavaScript://app.example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://app.example.com/",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fapp.example.com%2F",
        "",
    ] {
        assert_eq!(check(rd), None, "{rd}");
    }
}

#[test]
fn backslashes_whitespace_and_user_info_are_refused() {
    for rd in [
        "\\\\evil.example",
        "https:\\\\evil.example",
        "https://app.example.com\\@evil.example/",
        "https://app.example.com%5c@evil.example/",
        "https://app.example.com/%5C%5Cevil.example",
        "https://user@app.example.com/",
        "https://user:pass@app.example.com/",
        "https://app.example.com@evil.example/",
        "https://app.example.com%40evil.example/",
        "https://app.exa\tmple.com/",
        "https://app.example.com/\nx",
        " https://app.example.com/",
    ] {
        assert_eq!(check(rd), None, "{rd:?}");
    }
}

#[test]
fn look_alike_names_are_other_hosts() {
    // A Cyrillic "а" and a fullwidth dot: IDNA turns them into other names.
    assert_eq!(check("https://app.ex\u{430}mple.com/"), None);
    assert_eq!(check("https://ex\u{430}mple.com/"), None);
    assert_eq!(check("https://app.example\u{3002}evil.example/"), None);
}

#[test]
fn over_long_values_are_refused() {
    let base = "https://app.example.com/";
    let fits = format!("{base}{}", "a".repeat(MAX_RD_LEN - base.len()));
    assert!(check(&fits).is_some());
    assert_eq!(check(&format!("{fits}a")), None);
}

#[test]
fn http_only_when_cookies_may_go_without_tls() {
    let rd = "http://app.example.com/";
    assert_eq!(check(rd), None);
    let lax = RedirectRule::new(
        Some("auth.example.com".into()),
        Some("example.com".into()),
        true,
    );
    assert_eq!(lax.checked(rd, "auth.example.com").as_deref(), Some(rd));
}

#[test]
fn without_public_host_or_domain_only_the_requests_own_host() {
    let rule = RedirectRule::new(None, None, false);
    let own = "https://tools.example.com/x";
    assert!(rule.checked(own, "Tools.Example.com:8443").is_some());
    assert!(rule.checked(own, "tools.example.com.").is_some());
    assert_eq!(
        rule.checked("https://other.example.com/", "tools.example.com"),
        None
    );
    assert_eq!(rule.checked(own, ""), None);
}

#[test]
fn a_public_host_alone_allows_only_itself() {
    let rule = RedirectRule::new(Some("auth.example.com".into()), None, false);
    assert!(rule
        .checked("https://auth.example.com/", "app.example.com")
        .is_some());
    assert_eq!(
        rule.checked("https://app.example.com/", "app.example.com"),
        None
    );
}

#[test]
fn a_domain_written_with_a_leading_dot_means_the_same() {
    let rule = RedirectRule::new(None, Some(".Example.com".into()), false);
    assert!(rule.checked("https://app.example.com/", "x").is_some());
}

/// The contract's allowed hosts, spelled as plainly as possible.
fn reference_allows(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("").trim_end_matches('.');
    let allowed_host =
        host == "auth.example.com" || host == "example.com" || host.ends_with(".example.com");
    url.scheme() == "https" && url.username().is_empty() && url.password().is_none() && allowed_host
}

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "https://",
        "http://",
        "https:",
        "https:/",
        "//",
        "\\\\",
        "/\\",
        "javascript:",
        "%2F%2F",
        "HTTPS://",
        "user@",
        "u:p@",
        "app.example.com@",
        "app.example.com",
        "example.com",
        "auth.example.com",
        "evil.example",
        "example.com.evil.example",
        "evilexample.com",
        "ex\u{430}mple.com",
        "APP.EXAMPLE.COM.",
        ".",
        "%2e",
        ":443",
        ":8443",
        ":x",
        "/",
        "/p?x=1",
        "\\",
        "%5c",
        "%5C",
        "#",
        "@",
        "?",
        "\t",
        "%40",
        "%2F",
        "\u{3002}",
        "<script>",
        "\"",
        "'",
    ])
}

proptest! {
    #[test]
    fn a_returned_url_always_names_an_allowed_host(
        pieces in prop::collection::vec(piece(), 0..8),
    ) {
        let rd = pieces.concat();
        if let Some(out) = check(&rd) {
            let url = Url::parse(&out).unwrap();
            prop_assert!(reference_allows(&url), "{:?} → {}", rd, out);
            prop_assert!(!out.contains(['<', '>', '"', '\\']), "{:?} → {}", rd, out);
        }
    }

    #[test]
    fn anything_after_the_scheme_stays_within_the_allowed_hosts(tail in "\\PC{0,40}") {
        if let Some(out) = check(&format!("https://{tail}")) {
            let url = Url::parse(&out).unwrap();
            prop_assert!(reference_allows(&url), "{:?} → {}", tail, out);
        }
    }
}
