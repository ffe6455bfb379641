//! The matcher against the contract's rules (a small team's file): bypass, factors, host patterns,
//! path tricks, the default policy. The file's errors and the property test over spellings of a
//! path are beside it.

use super::*;

mod file_errors;
mod spelling;

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
