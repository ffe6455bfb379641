//! The second-factor records and their storage operations: a user's sealed TOTP secrets, the step
//! last used, how many recovery codes are left, and the pending second step of a login
//! (`mfa_token`). Secrets and codes never appear here in clear.

use super::{EndSessions, StoreResult, User};

/// A user's second factor as stored. Times are Unix milliseconds.
#[derive(Clone, Debug, Default)]
pub struct MfaRecord {
    /// nonce ‖ ciphertext of the confirmed secret; `None` until confirmed.
    pub secret: Option<Vec<u8>>,
    /// nonce ‖ ciphertext of a secret enrolled but not yet confirmed.
    pub pending_secret: Option<Vec<u8>>,
    /// The newest TOTP time step accepted: it and every earlier step are refused.
    pub last_step: Option<i64>,
    pub recovery_codes_left: u32,
}

impl MfaRecord {
    /// Login asks for a code only once a secret was confirmed.
    pub fn active(&self) -> bool {
        self.secret.is_some()
    }
}

/// A confirmation: the pending secret (as it was read, so a newer enrolment
/// is not confirmed by an old code) becomes the secret, `step` its last used
/// step, and `recovery_hashes` replace any earlier recovery codes.
pub struct MfaConfirm<'a> {
    pub user_id: i64,
    pub pending_secret: &'a [u8],
    pub step: i64,
    pub recovery_hashes: &'a [[u8; 32]],
    pub now: i64,
}

/// The pending second step of a login, found by the SHA-256 of its token.
#[derive(Clone, Debug)]
pub struct MfaTokenRecord {
    pub user_id: i64,
    pub expires_at: i64,
    pub failures: u32,
    /// The user's `credentials_version` its password check read: the second
    /// step starts a session only if it still is.
    pub credentials_version: i64,
}

/// The second factor's reads and writes (part of every `Store`).
pub trait MfaStore {
    /// The user's second factor, if any (confirmed or pending).
    fn mfa(&self, user_id: i64) -> StoreResult<Option<MfaRecord>>;
    /// Sets the pending secret only while the confirmed one is still `over`
    /// (`None`: none); false, and nothing written, when it changed.
    fn set_pending_mfa(
        &self,
        user_id: i64,
        sealed: &[u8],
        over: Option<&[u8]>,
        now: i64,
    ) -> StoreResult<bool>;
    /// False when the pending secret is no longer the one confirmed. Ends
    /// sessions as `end` says, in the same transaction.
    fn confirm_mfa(&self, confirm: &MfaConfirm, end: EndSessions) -> StoreResult<bool>;
    /// Records `step` as used; false when it or a later step was used before.
    fn use_mfa_step(&self, user_id: i64, step: i64) -> StoreResult<bool>;
    /// Marks an unused recovery code used; false when there is none such.
    fn use_recovery_code(&self, user_id: i64, hash: &[u8; 32], now: i64) -> StoreResult<bool>;
    /// Removes the factor and ends sessions as `end` says; false when there was none.
    fn remove_mfa(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<bool>;
    /// Of `user_ids`, those with a confirmed second factor.
    fn users_with_mfa(&self, user_ids: &[i64]) -> StoreResult<Vec<i64>>;
    fn insert_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()>;
    fn find_mfa_token(&self, hash: &[u8; 32]) -> StoreResult<Option<(MfaTokenRecord, User)>>;
    /// Deletes the token if it lives at `now` and returns it: only one
    /// caller gets it, so two requests with one token never both spend a code.
    fn take_mfa_token(&self, hash: &[u8; 32], now: i64) -> StoreResult<Option<MfaTokenRecord>>;
    /// Puts a taken token back (after a wrong code, counted in `failures`).
    fn put_back_mfa_token(&self, hash: &[u8; 32], token: &MfaTokenRecord) -> StoreResult<()>;
    /// Deletes up to `batch` expired login steps.
    fn sweep_mfa_tokens(&self, now: i64, batch: usize) -> StoreResult<usize>;
}
