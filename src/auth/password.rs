//! Password hashing: argon2id (m=19456 KiB, t=2, p=1) for new hashes; older schemes and weaker
//! parameters still verify and get replaced.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::Params;

use crate::auth::argon;
use crate::domain::NewPassword;

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right,
    /// Right, but the stored hash is of an older scheme or weaker: store a new one.
    RightButOutdated,
}

/// argon2 refused to hash: a bug or no memory, never the password's fault.
#[derive(Debug, thiserror::Error)]
#[error("hashing failed: {0}")]
pub struct HashError(#[from] argon2::Error);

pub fn hash(password: &NewPassword) -> Result<String, HashError> {
    Ok(argon::hash(password.expose().as_bytes())?)
}

pub fn verify(password: &str, stored: &str) -> Verdict {
    let right = if is_bcrypt(stored) {
        bcrypt::verify(password, stored).unwrap_or(false)
    } else {
        PasswordHash::new(stored).is_ok_and(|parsed| argon::verify(password.as_bytes(), &parsed))
    };
    match (right, is_current(stored)) {
        (false, _) => Verdict::Wrong,
        (true, true) => Verdict::Right,
        (true, false) => Verdict::RightButOutdated,
    }
}

/// Costs as much as checking a real argon2id hash, so a missing user cannot
/// be told apart from a wrong password by timing.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        hash(&NewPassword::parse("not a real password").expect("long enough"))
            .expect("argon2 works")
    });
    let _ = verify(password, dummy);
}

/// Whether an imported hash is one latchkey can check at login.
pub fn is_supported_hash(stored: &str) -> bool {
    if is_bcrypt(stored) {
        return bcrypt::verify("", stored).is_ok();
    }
    PasswordHash::new(stored).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

fn is_bcrypt(stored: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"]
        .iter()
        .any(|p| stored.starts_with(p))
}

fn is_current(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let wanted = Params::default();
    parsed.algorithm.as_str() == "argon2id"
        && params.m_cost() >= wanted.m_cost()
        && params.t_cost() >= wanted.t_cost()
        && params.p_cost() >= wanted.p_cost()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;
    use argon2::{Algorithm, Argon2, Version};

    const SEED_BCRYPT: &str = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";

    #[test]
    fn new_hashes_are_current_argon2id() {
        let stored = hash(&NewPassword::parse("correct horse").unwrap()).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(verify("correct horse", &stored), Verdict::Right);
        assert_eq!(verify("wrong horse", &stored), Verdict::Wrong);
    }

    #[test]
    fn bcrypt_verifies_and_asks_for_a_rehash() {
        assert_eq!(verify("secret", SEED_BCRYPT), Verdict::RightButOutdated);
        assert_eq!(verify("Secret", SEED_BCRYPT), Verdict::Wrong);
        assert!(is_supported_hash(SEED_BCRYPT));
    }

    #[test]
    fn weak_argon2_asks_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"password1")
        .unwrap()
        .to_string();
        assert_eq!(verify("password1", &weak), Verdict::RightButOutdated);
    }

    #[test]
    fn garbage_hashes_never_verify() {
        assert_eq!(verify("x", "not a hash"), Verdict::Wrong);
        assert!(!is_supported_hash("$md5$abc"));
    }
}
