//! Values that are checked once when they enter and can then be trusted: a `Username` is valid, a
//! `RefreshSecret` never prints.

mod contact;
mod names;

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use contact::{email, full_name};
pub use names::{is_control_or_format, login_key, name_key, nfkc, Username};

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

impl RefreshHash {
    /// Which session writer takes work on this id (see `SessionStore::submit_session_work`).
    pub fn affinity(&self) -> u64 {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(first)
    }
}

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
