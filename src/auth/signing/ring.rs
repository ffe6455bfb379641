//! The signing keys as the server uses them: the signer, a verifier per key not revoked, and the
//! JWKS document; rebuilt from the store every second so a rotation by the CLI or another instance
//! is picked up.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};

use super::keyring::{self, RevokeError, NEXT_AFTER_MS};
use super::{jwk, Jwks, KeySealer};
use crate::store::StoredKey;

/// The JWT leeway: a retiring key stays published this much longer.
const LEEWAY_MS: i64 = 30_000;

/// What the ring is built with, fixed at start.
pub struct KeySettings {
    pub sealer: KeySealer,
    /// Sign with EdDSA (else the ring only verifies).
    pub eddsa: bool,
    /// Zero: no automatic rotation.
    pub rotation_ms: i64,
    pub token_life_ms: i64,
}

impl KeySettings {
    pub fn new(secret: &[u8], eddsa: bool, rotation: Duration, ttl: Duration) -> KeySettings {
        KeySettings {
            sealer: KeySealer::new(secret),
            eddsa,
            rotation_ms: rotation.as_millis() as i64,
            token_life_ms: ttl.as_millis() as i64 + LEEWAY_MS,
        }
    }
}

#[derive(Default)]
pub struct Ring {
    pub signer: Option<(String, EncodingKey)>,
    pub verifiers: HashMap<String, DecodingKey>,
    /// The JWKS document, serialized once per rebuild.
    pub jwks: String,
}

impl Ring {
    pub fn build(keys: &[StoredKey], settings: &KeySettings, now: i64) -> Ring {
        let signer = keyring::signer(keys, now).filter(|_| settings.eddsa);
        let signer = signer.and_then(|key| {
            let der = settings.sealer.open_der(key)?;
            Some((key.kid.clone(), EncodingKey::from_ed_der(&der)))
        });
        let verifiers = keys
            .iter()
            .filter(|k| k.revoked_at.is_none())
            .filter_map(|k| {
                let x = URL_SAFE_NO_PAD.encode(&k.public_key);
                Some((k.kid.clone(), DecodingKey::from_ed_components(&x).ok()?))
            })
            .collect();
        let published = Jwks {
            keys: keyring::published(keys, now, settings.token_life_ms)
                .into_iter()
                .map(jwk)
                .collect(),
        };
        Ring {
            signer,
            verifiers,
            jwks: serde_json::to_string(&published).expect("a JWKS serializes"),
        }
    }
}

/// What start, `keys rotate` and `--key-rotation` change: (added, changed).
pub type KeyChanges = (Vec<StoredKey>, Vec<StoredKey>);

/// At start: with EdDSA, a signing key exists (the first is made now); with
/// HS256, keys still signing stop, so they drop out once their tokens expired.
pub fn on_start(keys: &[StoredKey], sealer: &KeySealer, now: i64, eddsa: bool) -> KeyChanges {
    if eddsa {
        let added = match keyring::signer(keys, now) {
            Some(_) => vec![],
            None => vec![sealer.generate(now, now)],
        };
        return (added, vec![]);
    }
    let stopped = keys
        .iter()
        .filter(|k| k.revoked_at.is_none() && k.retired_at.is_none())
        .map(|k| StoredKey {
            retired_at: Some(now),
            ..k.clone()
        })
        .collect();
    (vec![], stopped)
}

/// A new key, published now and signing `NEXT_AFTER_MS` later.
pub fn rotate(sealer: &KeySealer, now: i64) -> StoredKey {
    sealer.generate(now, now + NEXT_AFTER_MS)
}

/// Revokes `kid`; when it was signing and no `next` key can take over, a new
/// key signs at once.
pub fn revoke(
    keys: &[StoredKey],
    kid: &str,
    sealer: &KeySealer,
    now: i64,
) -> Result<KeyChanges, RevokeError> {
    let changed = keyring::revoke(keys, kid, now)?;
    let was_signing = keyring::signer(keys, now).is_some_and(|k| k.kid == kid);
    let added = match was_signing && changed.len() == 1 {
        true => vec![sealer.generate(now, now)],
        false => vec![],
    };
    Ok((added, changed))
}

/// `--key-rotation`: a new key when the newest one is older than `period`
/// and none is waiting to sign.
pub fn due_rotation(
    keys: &[StoredKey],
    sealer: &KeySealer,
    now: i64,
    period_ms: i64,
) -> Option<StoredKey> {
    let live = keys
        .iter()
        .filter(|k| k.revoked_at.is_none() && k.retired_at.is_none());
    let newest = live.max_by_key(|k| k.created_at)?;
    (newest.signs_from <= now && newest.created_at + period_ms <= now).then(|| rotate(sealer, now))
}
