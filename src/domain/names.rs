//! Usernames: NFKC is the stored form, NFKC then Unicode full case folding is the key that makes
//! two names one (`Élise` and `élise`, `STRASSE` and `Straße`), and control or format characters
//! never enter a name.

use std::fmt;

/// 1–64 characters of letters, digits, `.`, `_`, `-` or `@`, after NFKC
/// (stored in that form, so `é` typed precomposed or combined is one name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

/// A name outside the rules; the text is the API's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("username must be 1-64 characters of letters, digits, '.', '_', '-' or '@'")]
pub struct UsernameError;

impl Username {
    pub fn parse(text: &str) -> Result<Username, UsernameError> {
        let text = nfkc(text);
        let ok_chars = text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        let len = text.chars().count();
        if (1..=64).contains(&len) && ok_chars {
            Ok(Username(text))
        } else {
            Err(UsernameError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The form of a name typed at login that the throttle counts by and the
/// store finds users by (see `name_key`). `None` for a name no user can have
/// (empty, over 64 characters after NFKC, a control or format character):
/// such a login costs no hash and no per-name counter.
pub fn login_key(text: &str) -> Option<String> {
    // A bound before normalising, loose enough for 64 characters sent
    // decomposed (a base and several combining marks each).
    if text.is_empty() || text.len() > 1024 {
        return None;
    }
    let normal = nfkc(text);
    let len = normal.chars().count();
    if !(1..=64).contains(&len) || normal.chars().any(is_control_or_format) {
        return None;
    }
    Some(name_key(&normal))
}

/// The key that is unique among users: NFKC, Unicode full case folding, and
/// NFKC again (folding can undo a composition), so every spelling that is
/// one name under the rules has one key. Never contains a control character
/// when `text` has none, which is what lets the store mark a kept duplicate
/// from an older version with one.
pub fn name_key(text: &str) -> String {
    nfkc(&caseless::default_case_fold_str(&nfkc(text)))
}

/// A name in the form it is stored and looked up in.
pub fn nfkc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect()
}

/// Unicode general categories Cc and Cf (Unicode 15.1): invisible
/// characters that make one name look like another or reorder its text.
pub fn is_control_or_format(c: char) -> bool {
    const FORMAT: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x0600, 0x0605),
        (0x061C, 0x061C),
        (0x06DD, 0x06DD),
        (0x070F, 0x070F),
        (0x0890, 0x0891),
        (0x08E2, 0x08E2),
        (0x180E, 0x180E),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0xFEFF, 0xFEFF),
        (0xFFF9, 0xFFFB),
        (0x110BD, 0x110BD),
        (0x110CD, 0x110CD),
        (0x13430, 0x1343F),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0001, 0xE0001),
        (0xE0020, 0xE007F),
    ];
    let code = c as u32;
    c.is_control() || FORMAT.iter().any(|(lo, hi)| (*lo..=*hi).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert!(Username::parse("alice.b-c_d@example").is_ok());
        assert!(Username::parse("").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn spellings_of_one_name_share_a_key() {
        let key = name_key("\u{c9}lise");
        assert_eq!(name_key("\u{e9}LISE"), key);
        assert_eq!(name_key("E\u{301}lise"), key);
        assert_eq!(name_key("STRASSE"), name_key("Stra\u{df}e"));
        assert_ne!(
            name_key("\u{430}lice"),
            name_key("alice"),
            "Cyrillic a is its own letter"
        );
        assert_eq!(login_key("\u{ff21}LICE").as_deref(), Some("alice"));
        assert_eq!(login_key("a\u{202e}b"), None);
    }
}
