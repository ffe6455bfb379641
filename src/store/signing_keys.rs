//! The signing-key record and its storage: an Ed25519 key pair whose private half is stored sealed;
//! its state (next, signing, retiring, revoked) follows from its dates.

use super::StoreResult;

/// Times are Unix milliseconds.
#[derive(Clone, Debug)]
pub struct StoredKey {
    pub kid: String,
    /// The 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    /// nonce ‖ ChaCha20-Poly1305 ciphertext of the 32-byte seed.
    pub sealed_private: Vec<u8>,
    pub created_at: i64,
    /// From when it signs (the newest such key signs; older ones retire).
    pub signs_from: i64,
    /// When signing stopped without a successor (the server switched to HS256).
    pub retired_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What "revoked" means for a token's key, wherever a store asks (a grant's check and the access
/// check's session lookup, on both stores): a key is live only while its row exists without
/// `revoked_at`; an unknown kid counts as revoked, since a key no store knows must sign nothing.
/// Expands to an SQL boolean over the kid bound at the placeholder given (`"?1"`, `"$2"`).
macro_rules! key_live {
    ($kid:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM signing_keys k WHERE k.kid = ",
            $kid,
            " AND k.revoked_at IS NULL)"
        )
    };
}
pub(crate) use key_live;

/// The signing keys, few and read whole.
pub trait KeyStore {
    /// Every signing key, oldest first.
    fn signing_keys(&self) -> StoreResult<Vec<StoredKey>>;
    /// Inserts `added` and rewrites the dates of `changed`, in one transaction.
    fn save_signing_keys(&self, added: &[StoredKey], changed: &[StoredKey]) -> StoreResult<()>;
}
