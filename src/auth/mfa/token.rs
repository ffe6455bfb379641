//! The `mfa_token` of a login's second step: random, stored only as its SHA-256, single-use, and
//! bound to the user's credentials as the login's password check read them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::MfaRules;
use crate::error::{ApiError, MfaToken};
use crate::store::{MfaTokenRecord, Store, User};

/// An `mfa_token` lives this long.
pub const TOKEN_TTL_MS: i64 = 5 * 60 * 1000;
/// The wrong code that ends an `mfa_token` (the fifth: it survives four).
pub const TOKEN_MAX_FAILURES: u32 = 5;

impl MfaRules {
    /// The second step of a login: a random token, stored as its SHA-256
    /// with the user's credentials version as its password check read it.
    pub fn issue_token(
        &self,
        store: &dyn Store,
        user: &User,
        now: i64,
    ) -> Result<MfaToken, ApiError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let record = MfaTokenRecord {
            user_id: user.id,
            expires_at: now + TOKEN_TTL_MS,
            failures: 0,
            credentials_version: user.credentials_version,
        };
        store.insert_mfa_token(&token_hash(&token), &record)?;
        Ok(MfaToken(token))
    }
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
