//! A refresh id is the time it was issued and 256 secret bits; only the time and a hash of the
//! secret are stored, and the stored key starts with the time, so new ids append to the index.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Where a refresh id's row is found: the time it was issued, then SHA-256
/// of its secret. Ids issued before schema version 10 carry no time; their
/// key is the hash alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshHash {
    pub issued_at: Option<i64>,
    pub digest: [u8; 32],
}

impl RefreshHash {
    /// The stored key. Its time prefix (big-endian) puts the ids a batch
    /// issues side by side at the end of the index: a rotation writes to the
    /// page the previous one wrote, not to a random page of a large table.
    pub fn key(&self) -> Vec<u8> {
        let mut key = Vec::with_capacity(40);
        if let Some(at) = self.issued_at {
            key.extend_from_slice(&at.to_be_bytes());
        }
        key.extend_from_slice(&self.digest);
        key
    }

    /// Which session writer takes work on this id (see `SessionStore::submit_session_work`).
    pub fn affinity(&self) -> u64 {
        let mut first = [0u8; 8];
        first.copy_from_slice(&self.digest[..8]);
        u64::from_le_bytes(first)
    }
}

/// The refresh id carried in the cookie (base64url), never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshSecret {
    issued_at: Option<i64>,
    secret: [u8; 32],
}

impl RefreshSecret {
    /// A new family's first id, issued at `now`.
    pub fn generate(now: i64) -> RefreshSecret {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        RefreshSecret {
            issued_at: Some(now),
            secret,
        }
    }

    /// 40 bytes (time and secret), or the 32 secret bytes of an id issued
    /// before ids carried their time.
    pub fn from_cookie(value: &str) -> Option<RefreshSecret> {
        let bytes = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        let (issued_at, secret) = match bytes.len() {
            32 => (None, &bytes[..]),
            40 => {
                let (time, secret) = bytes.split_at(8);
                (Some(i64::from_be_bytes(time.try_into().ok()?)), secret)
            }
            _ => return None,
        };
        Some(RefreshSecret {
            issued_at,
            secret: secret.try_into().ok()?,
        })
    }

    pub fn to_cookie(&self) -> String {
        let mut bytes = Vec::with_capacity(40);
        if let Some(at) = self.issued_at {
            bytes.extend_from_slice(&at.to_be_bytes());
        }
        bytes.extend_from_slice(&self.secret);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn hash(&self) -> RefreshHash {
        RefreshHash {
            issued_at: self.issued_at,
            digest: Sha256::digest(self.secret).into(),
        }
    }

    /// The next id of the chain, issued at `issued_at`: its secret is
    /// HMAC(chain key, this id's secret). Recomputable from an old id (given
    /// when its successors were issued), so a replay within the grace gets
    /// the same successor without any raw id being stored.
    pub fn successor(&self, chain_key: &[u8], issued_at: Option<i64>) -> RefreshSecret {
        let mut mac = Hmac::<Sha256>::new_from_slice(chain_key).expect("HMAC takes any key length");
        mac.update(&self.secret);
        RefreshSecret {
            issued_at,
            secret: mac.finalize().into_bytes().into(),
        }
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
        let first = RefreshSecret::generate(1_700_000_000_000);
        assert_eq!(
            RefreshSecret::from_cookie(&first.to_cookie()),
            Some(first.clone())
        );
        let key = [9u8; 32];
        let next = first.successor(&key, Some(5));
        assert_eq!(next, first.successor(&key, Some(5)));
        assert_ne!(next, first);
        assert_eq!(next.hash().issued_at, Some(5));
        assert!(!format!("{first:?}").contains(&first.to_cookie()));
        assert!(RefreshSecret::from_cookie("short").is_none());
    }

    #[test]
    fn keys_start_with_the_issue_time_so_later_ids_sort_after_earlier_ones() {
        let earlier = RefreshSecret::generate(1_000).hash().key();
        let later = RefreshSecret::generate(1_001).hash().key();
        assert_eq!(earlier.len(), 40);
        assert!(earlier < later);
    }

    #[test]
    fn an_id_from_before_issue_times_keeps_its_old_key() {
        let legacy = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let id = RefreshSecret::from_cookie(&legacy).expect("a 32-byte id parses");
        assert_eq!(id.to_cookie(), legacy);
        assert_eq!(id.hash().key(), Sha256::digest([7u8; 32]).to_vec());
    }
}
