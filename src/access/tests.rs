//! The matcher against the contract's rules, the file's errors, and a property test: no spelling
//! of a path reaches a rule that its plain, resolved form would not.

use proptest::prelude::*;

use super::*;

const TEAM: &str = r#"
default_policy = "deny"

[[rules]]
hosts = ["status.example.com"]
paths = ["/public/", "/healthz"]
methods = ["GET", "HEAD"]
policy = "bypass"

[[rules]]
hosts = ["grafana.example.com"]
subjects = ["group:ops", "user:alice", "role:admin"]
policy = "two_factor"

[[rules]]
hosts = ["*.internal.example.com"]
policy = "one_factor"

[[rules]]
paths = ["/admin"]
policy = "deny"
"#;

fn rules() -> Rules {
    parse(TEAM).unwrap()
}

fn who<'a>(name: &'a str, groups: &'a [String], second_factor: bool) -> Who<'a> {
    Who {
        username: name,
        groups,
        admin: false,
        second_factor,
    }
}

fn decide(url: (&str, &str, &str), caller: Option<&Who>) -> Decision {
    rules().decide(&Target::new(url.0, url.1, url.2), caller)
}

#[test]
fn bypass_lets_anyone_through_on_its_hosts_paths_and_methods_only() {
    let ok = decide(("status.example.com", "/public/x", "GET"), None);
    assert_eq!(
        (ok.outcome, ok.to_string()),
        (
            Outcome::Allow,
            "rule 1 (status.example.com): bypass → allow".into()
        )
    );
    assert_eq!(
        decide(("STATUS.example.com.:443", "/healthz/live", "HEAD"), None).outcome,
        Outcome::Allow
    );
    for (path, method) in [
        ("/healthzz", "GET"),
        ("/public/x", "POST"),
        ("/private", "GET"),
    ] {
        let decision = decide(("status.example.com", path, method), None);
        assert_eq!(decision.outcome, Outcome::Deny, "{path} {method}");
        assert_eq!(decision.to_string(), "default: deny → deny");
    }
}

#[test]
fn two_factor_needs_a_listed_subject_and_a_second_factor() {
    let ops = vec!["ops".to_string()];
    let none: Vec<String> = Vec::new();
    let grafana = ("grafana.example.com", "/d/1", "GET");
    assert_eq!(
        decide(grafana, Some(&who("bob", &ops, true))).outcome,
        Outcome::Allow
    );
    assert_eq!(
        decide(grafana, Some(&who("bob", &ops, false))).outcome,
        Outcome::SecondFactor
    );
    assert_eq!(
        decide(grafana, Some(&who("ALICE", &none, true))).outcome,
        Outcome::Allow
    );
    assert_eq!(
        decide(grafana, Some(&who("carol", &none, true))).outcome,
        Outcome::Deny
    );
    let admin = Who {
        admin: true,
        ..who("root", &none, true)
    };
    assert_eq!(decide(grafana, Some(&admin)).outcome, Outcome::Allow);
    assert_eq!(
        decide(grafana, None).outcome,
        Outcome::SignIn,
        "subjects apply after sign-in"
    );
}

#[test]
fn subdomain_patterns_match_any_depth_but_never_the_bare_domain() {
    let none: Vec<String> = Vec::new();
    let carol = who("carol", &none, false);
    for host in ["a.internal.example.com", "a.b.internal.example.com:8080"] {
        assert_eq!(
            decide((host, "/", "GET"), Some(&carol)).outcome,
            Outcome::Allow,
            "{host}"
        );
    }
    for host in ["internal.example.com", "xinternal.example.com"] {
        assert_eq!(
            decide((host, "/", "GET"), Some(&carol)).outcome,
            Outcome::Deny,
            "{host}"
        );
    }
    assert_eq!(
        decide(("a.internal.example.com", "/", "GET"), None).outcome,
        Outcome::SignIn
    );
}

#[test]
fn path_tricks_resolve_before_matching() {
    for path in [
        "/public/../admin",
        "/public/..%2fadmin",
        "/public/%2e%2e/admin",
        "//admin",
        "/admin;x=1",
    ] {
        let decision = decide(("other.example.com", path, "GET"), None);
        assert_eq!(decision.rule.map(|r| r.0), Some(3), "{path}");
    }
    let undecodable = decide(("status.example.com", "/public/%ff", "GET"), None);
    assert_eq!(undecodable.outcome, Outcome::Deny);
}

#[test]
fn the_default_policy_decides_when_nothing_matches() {
    let open = parse("default_policy = \"one_factor\"").unwrap();
    let none: Vec<String> = Vec::new();
    let target = Target::new("x.example.com", "/", "GET");
    assert_eq!(open.decide(&target, None).outcome, Outcome::SignIn);
    assert_eq!(
        open.decide(&target, Some(&who("a", &none, false))).outcome,
        Outcome::Allow
    );
    let strict = parse("default_policy = \"two_factor\"").unwrap();
    assert_eq!(
        strict
            .decide(&target, Some(&who("a", &none, false)))
            .outcome,
        Outcome::SecondFactor
    );
    assert_eq!(
        parse("").unwrap().decide(&target, None).outcome,
        Outcome::Deny
    );
}

#[test]
fn every_malformed_file_is_one_line_naming_the_line() {
    for (text, line, says) in [
        (
            "[[rules]]\npolicy = \"deny\"\ncolour = \"red\"\n",
            3,
            "colour",
        ),
        ("[[rules]]\n\npolicy = \"allow\"\n", 3, "allow"),
        (
            "[[rules]]\nsubjects = [\"group:Ops\"]\npolicy = \"one_factor\"\n",
            2,
            "Ops",
        ),
        (
            "[[rules]]\nhosts = [\"https://a.example.com\"]\npolicy = \"deny\"\n",
            2,
            "https://a.example.com",
        ),
        (
            "[[rules]]\npaths = []\npolicy = \"deny\"\n",
            2,
            "empty list",
        ),
        (
            "[[rules]]\npaths = [\"/api/.*\"]\npolicy = \"deny\"\n",
            2,
            "/api/.*",
        ),
        (
            "[[rules]]\npaths = [\"^/admin\"]\npolicy = \"deny\"\n",
            2,
            "^/admin",
        ),
        (
            "[[rules]]\nsubjects = [\"team:ops\"]\npolicy = \"one_factor\"\n",
            2,
            "team:ops",
        ),
        (
            "\n[[rules]]\nsubjects = [\"user:alice\"]\npolicy = \"bypass\"\n",
            2,
            "one_factor and two_factor",
        ),
        ("default_policy = \"bypass\"\n", 1, "bypass"),
        ("[[rules]]\nhosts = [\"a.example.com\"]\n", 1, "policy"),
        ("[[rules]\n", 1, ""),
    ] {
        let error = parse(text).expect_err(text).to_string();
        assert!(error.starts_with(&format!("{line}: ")), "{text:?}: {error}");
        assert!(error.contains(says), "{text:?}: {error}");
        assert!(!error.contains('\n'), "{error}");
    }
}

/// The contract spelled as simply as possible: decode, resolve, compare.
fn reference_allows(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8();
    let Ok(decoded) = decoded else { return false };
    let mut kept: Vec<String> = Vec::new();
    for segment in decoded.split(['/', '\\']) {
        let segment = segment.split(';').next().unwrap();
        match segment {
            "" | "." => {}
            ".." => drop(kept.pop()),
            other => kept.push(other.to_string()),
        }
    }
    kept.first().map(String::as_str) == Some("public")
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("public".to_string()),
        Just("admin".to_string()),
        Just("..".to_string()),
        Just(".".to_string()),
        Just("%2e%2e".to_string()),
        Just("%2E.".to_string()),
        Just("%2f".to_string()),
        Just("%2F".to_string()),
        Just("".to_string()),
        Just(";jsessionid=1".to_string()),
        Just("public;x".to_string()),
        Just("%ff".to_string()),
        Just("%70ublic".to_string()),
        Just("\\".to_string()),
        "[a-z]{1,3}",
    ]
}

proptest! {
    #[test]
    fn no_spelling_of_a_path_reaches_a_rule_its_resolved_form_would_not(
        pieces in prop::collection::vec(piece(), 0..8),
        host in prop_oneof![Just("Status.Example.com."), Just("status.example.com:8443"), Just("status.example.com")],
    ) {
        let path = format!("/{}", pieces.join("/"));
        let rules = parse("[[rules]]\nhosts = [\"status.example.com\"]\npaths = [\"/public\"]\npolicy = \"bypass\"\n").unwrap();
        let decision = rules.decide(&Target::new(host, &path, "GET"), None);
        prop_assert_eq!(decision.outcome == Outcome::Allow, reference_allows(&path), "{}", path);
    }
}
