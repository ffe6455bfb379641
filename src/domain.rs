//! Values that are checked once when they enter and can then be trusted: a `Username` is valid, a `RefreshSecret` never prints.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 1–64 characters of letters, digits, `.`, `_`, `-` or `@`, after NFKC
/// (stored in that form, so `é` typed precomposed or combined is one name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Username, String> {
        let text = nfkc(text);
        let ok_chars = text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        let len = text.chars().count();
        if (1..=64).contains(&len) && ok_chars {
            Ok(Username(text))
        } else {
            Err("username must be 1-64 characters of letters, digits, '.', '_', '-' or '@'".into())
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

/// The form of a name typed at login that the throttle counts by: NFKC,
/// then Unicode full case folding. `None` for a name no user can have
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
    Some(caseless::default_case_fold_str(&normal))
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

/// A password chosen now (not one typed at login): 8–1024 characters.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(text: &str) -> Result<NewPassword, String> {
        match text.chars().count() {
            0..=7 => Err("password must be at least 8 characters".into()),
            8..=1024 => Ok(NewPassword(text.to_string())),
            _ => Err("password must be at most 1024 characters".into()),
        }
    }

    /// A password that already works (an imported hash being upgraded), so
    /// today's length rules do not apply.
    pub fn imported(text: &str) -> NewPassword {
        NewPassword(text.to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// A session (family) id: 128 random bits, hex. Shown to its user and put in the JWT's `sid`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> SessionId {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionId(hex::encode(bytes))
    }

    /// Accepts only what `generate` makes, so junk never reaches a query.
    pub fn parse(text: &str) -> Option<SessionId> {
        (text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        .then(|| SessionId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SHA-256 of a refresh id: the only form in which refresh ids are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshHash(pub [u8; 32]);

/// The refresh id carried in the cookie: 256 bits, base64url. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshSecret([u8; 32]);

impl RefreshSecret {
    pub fn generate() -> RefreshSecret {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        RefreshSecret(bytes)
    }

    pub fn from_cookie(value: &str) -> Option<RefreshSecret> {
        let bytes = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        Some(RefreshSecret(bytes.try_into().ok()?))
    }

    pub fn to_cookie(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn hash(&self) -> RefreshHash {
        RefreshHash(Sha256::digest(self.0).into())
    }

    /// The next id of the chain: HMAC(chain key, this id). Recomputable from an
    /// old id, so a replay within the grace gets the same successor without any
    /// raw id being stored.
    pub fn successor(&self, chain_key: &[u8]) -> RefreshSecret {
        let mut mac = Hmac::<Sha256>::new_from_slice(chain_key).expect("HMAC takes any key length");
        mac.update(&self.0);
        RefreshSecret(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for RefreshSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshSecret(<redacted>)")
    }
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
    fn refresh_secrets_round_trip_and_chain() {
        let first = RefreshSecret::generate();
        assert_eq!(
            RefreshSecret::from_cookie(&first.to_cookie()),
            Some(first.clone())
        );
        let key = [9u8; 32];
        assert_eq!(first.successor(&key), first.successor(&key));
        assert_ne!(first.successor(&key), first);
        assert!(!format!("{first:?}").contains(&first.to_cookie()));
        assert!(RefreshSecret::from_cookie("short").is_none());
    }

    #[test]
    fn session_ids_only_parse_what_was_generated() {
        let id = SessionId::generate();
        assert_eq!(SessionId::parse(id.as_str()), Some(id));
        assert!(SessionId::parse("../../etc").is_none());
    }
}
