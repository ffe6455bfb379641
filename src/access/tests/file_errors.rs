//! A malformed rules file is refused with one line that names the line at fault and what is wrong.

use super::super::*;

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
