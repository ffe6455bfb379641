//! A property test: no spelling of a path (percent-encoding, dot segments, backslashes, `;`
//! parameters, a host's case, port or trailing dot) reaches a rule that its plain, resolved form
//! would not.

use proptest::prelude::*;

use super::super::*;

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
