//! A signing key's seed, sealed for the database: ChaCha20-Poly1305 under a key derived from the
//! signing secret, the kid as associated data, so a copy of the database alone signs nothing and a
//! sealed seed moved to another key's row does not open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::StoredKey;

/// PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

pub struct KeySealer(ChaCha20Poly1305);

impl KeySealer {
    /// Derived with its own label, so it never equals the JWT or chain key.
    pub fn new(signing_secret: &[u8]) -> KeySealer {
        let key = crate::secret::derive(signing_secret, b"latchkey signing-keys v1");
        KeySealer(ChaCha20Poly1305::new(&key.into()))
    }

    /// A new key pair, signing from `signs_from`.
    pub fn generate(&self, now: i64, signs_from: i64) -> StoredKey {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let public_key = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes()
            .to_vec();
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&public_key)[..12]);
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), aad(&seed, &kid))
            .expect("sealing 32 bytes cannot fail");
        StoredKey {
            kid,
            public_key,
            sealed_private: [nonce.as_slice(), &sealed].concat(),
            created_at: now,
            signs_from,
            retired_at: None,
            revoked_at: None,
        }
    }

    /// The key's private half as PKCS#8 DER, for `EncodingKey::from_ed_der`;
    /// `None` when it was sealed under another secret or altered.
    pub fn open_der(&self, key: &StoredKey) -> Option<Vec<u8>> {
        let (nonce, sealed) = key.sealed_private.split_at_checked(12)?;
        let seed = self
            .0
            .decrypt(Nonce::from_slice(nonce), aad(sealed, &key.kid))
            .ok()?;
        Some([PKCS8_PREFIX.as_slice(), &seed].concat())
    }
}

fn aad<'a>(msg: &'a [u8], kid: &'a str) -> Payload<'a, 'a> {
    Payload {
        msg,
        aad: kid.as_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_under_its_secret_and_kid() {
        let sealer = KeySealer::new(&[1; 32]);
        let mut key = sealer.generate(0, 0);
        assert_eq!(sealer.open_der(&key).unwrap().len(), 48);
        assert!(KeySealer::new(&[2; 32]).open_der(&key).is_none());
        key.kid = "another".into();
        assert!(sealer.open_der(&key).is_none());
    }
}
