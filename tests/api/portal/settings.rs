//! The portal's settings as an operator meets them: a `--cookie-domain` without `--public-url`, or
//! one the public URL's host is not within, stops `serve` with exit 2 and one line saying what to
//! set, before anything is opened.

use std::process::Command;

#[test]
fn a_cookie_domain_that_cannot_hold_the_portal_is_exit_2_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never-created.db");
    for (flags, says) in [
        (vec!["--cookie-domain", "example.com"], "--public-url"),
        (
            vec![
                "--cookie-domain",
                "example.com",
                "--public-url",
                "https://auth.other.org",
            ],
            "auth.other.org",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .arg("--db")
            .arg(&db)
            .arg("serve")
            .args(&flags)
            .env("LATCHKEY_COOKIE_DOMAIN", "ignored.example")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains("--cookie-domain") && err.contains(says),
            "{err}"
        );
        assert!(!db.exists(), "nothing opened");
    }
}
