//! Values that are checked once when they enter and can then be trusted: a `Username` is valid, a
//! `RefreshSecret` never prints.

mod contact;
mod groups;
mod names;
mod refresh;

use std::fmt;

use rand::RngCore;

pub use contact::{email, full_name, ContactError};
pub use groups::{group_names, BadGroupName, GroupName, GroupNameError};
pub use names::{is_control_or_format, login_key, name_key, nfkc, Username, UsernameError};
pub use refresh::{ChainedId, CountedId, IdKey, RefreshHash, RefreshSecret};

/// A password chosen now (not one typed at login): 8–1024 characters.
#[derive(Clone)]
pub struct NewPassword(String);

/// Why a new password was refused; the text is the API's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least 8 characters")]
    TooShort,
    #[error("password must be at most 1024 characters")]
    TooLong,
}

impl NewPassword {
    pub fn parse(text: &str) -> Result<NewPassword, PasswordError> {
        match text.chars().count() {
            0..=7 => Err(PasswordError::TooShort),
            8..=1024 => Ok(NewPassword(text.to_string())),
            _ => Err(PasswordError::TooLong),
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

    /// The 16 bytes a counted refresh id carries.
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(&self.0, &mut bytes).expect("a session id is 32 hex digits");
        bytes
    }

    pub fn from_bytes(bytes: &[u8; 16]) -> SessionId {
        SessionId(hex::encode(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_only_parse_what_was_generated() {
        let id = SessionId::generate();
        assert_eq!(SessionId::parse(id.as_str()), Some(id));
        assert!(SessionId::parse("../../etc").is_none());
    }
}
