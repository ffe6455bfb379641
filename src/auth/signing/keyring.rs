//! Which signing key does what follows from its dates: the newest live key whose `signs_from` has
//! come signs; newer ones are `next` (published, not yet signing); older ones retire and stay
//! published until their last token expired; revoked keys are neither published nor accepted.

use crate::store::StoredKey;

/// A rotated-in key signs this long after it was published (JWKS caches refresh).
pub const NEXT_AFTER_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    Next,
    Signing,
    Retiring,
    Revoked,
}

impl KeyState {
    pub fn word(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Signing => "signing",
            KeyState::Retiring => "retiring",
            KeyState::Revoked => "revoked",
        }
    }
}

fn live(key: &StoredKey) -> bool {
    key.revoked_at.is_none() && key.retired_at.is_none()
}

pub fn signer(keys: &[StoredKey], now: i64) -> Option<&StoredKey> {
    keys.iter()
        .filter(|k| live(k) && k.signs_from <= now)
        .max_by_key(|k| (k.signs_from, k.created_at))
}

pub fn state(keys: &[StoredKey], key: &StoredKey, now: i64) -> KeyState {
    if key.revoked_at.is_some() {
        KeyState::Revoked
    } else if key.retired_at.is_none() && key.signs_from > now {
        KeyState::Next
    } else if signer(keys, now).is_some_and(|s| s.kid == key.kid) {
        KeyState::Signing
    } else {
        KeyState::Retiring
    }
}

/// When a retiring key signed its last token: its successor's start, or when
/// signing stopped (a switch to HS256).
fn stopped_at(keys: &[StoredKey], key: &StoredKey, now: i64) -> i64 {
    let successors = keys
        .iter()
        .filter(|k| k.revoked_at.is_none() && k.signs_from > key.signs_from && k.signs_from <= now)
        .map(|k| k.signs_from);
    key.retired_at
        .into_iter()
        .chain(successors)
        .min()
        .unwrap_or(now)
}

/// When a key stops (or stopped) signing, where that is known: a retiring key's last signing
/// time, or a signing key's handover to the earliest `next` key; `None` for a signing key with
/// no successor yet, a `next` key and a revoked one.
pub fn retires_at(keys: &[StoredKey], key: &StoredKey, now: i64) -> Option<i64> {
    match state(keys, key, now) {
        KeyState::Retiring => Some(stopped_at(keys, key, now)),
        KeyState::Signing => keys
            .iter()
            .filter(|k| state(keys, k, now) == KeyState::Next)
            .map(|k| k.signs_from)
            .min(),
        KeyState::Next | KeyState::Revoked => None,
    }
}

/// The keys in the JWKS: next, signing, and retiring ones whose tokens
/// (living `token_life_ms`) may still be valid.
pub fn published(keys: &[StoredKey], now: i64, token_life_ms: i64) -> Vec<&StoredKey> {
    keys.iter()
        .filter(|k| match state(keys, k, now) {
            KeyState::Next | KeyState::Signing => true,
            KeyState::Retiring => stopped_at(keys, k, now) + token_life_ms > now,
            KeyState::Revoked => false,
        })
        .collect()
}

/// Why a key cannot be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("no signing key {0}")]
    Unknown(String),
    #[error("key {0} is already revoked")]
    AlreadyRevoked(String),
}

/// The key a revocation changes, and the key that must sign instead when the
/// revoked one was signing: the earliest `next` key from now, else `None`
/// (the caller makes a new one).
pub fn revoke(keys: &[StoredKey], kid: &str, now: i64) -> Result<Vec<StoredKey>, RevokeError> {
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| RevokeError::Unknown(kid.into()))?;
    if key.revoked_at.is_some() {
        return Err(RevokeError::AlreadyRevoked(kid.into()));
    }
    let was_signing = state(keys, key, now) == KeyState::Signing;
    let mut changed = vec![StoredKey {
        revoked_at: Some(now),
        ..key.clone()
    }];
    if was_signing {
        let next = keys
            .iter()
            .filter(|k| state(keys, k, now) == KeyState::Next)
            .min_by_key(|k| k.signs_from);
        if let Some(next) = next {
            changed.push(StoredKey {
                signs_from: now,
                ..next.clone()
            });
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn key(kid: &str, created_at: i64, signs_from: i64) -> StoredKey {
        StoredKey {
            kid: kid.into(),
            public_key: Vec::new(),
            sealed_private: Vec::new(),
            created_at,
            signs_from,
            retired_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_key_retires_when_its_successor_starts_signing() {
        let old = key("old", 0, 0);
        let new = key("new", 10 * MIN, 15 * MIN);
        let keys = [old.clone(), new.clone()];
        // Before the handover: the signing key retires when the next one signs.
        assert_eq!(retires_at(&keys, &old, 12 * MIN), Some(15 * MIN));
        assert_eq!(retires_at(&keys, &new, 12 * MIN), None);
        // After it: the old key retired then, the new one has no successor yet.
        assert_eq!(retires_at(&keys, &old, 20 * MIN), Some(15 * MIN));
        assert_eq!(retires_at(&keys, &new, 20 * MIN), None);
    }

    #[test]
    fn a_revoked_key_or_one_stopped_by_a_switch_says_so() {
        let stopped = StoredKey {
            retired_at: Some(5 * MIN),
            ..key("stopped", 0, 0)
        };
        let revoked = StoredKey {
            revoked_at: Some(6 * MIN),
            ..key("revoked", MIN, MIN)
        };
        let keys = [stopped.clone(), revoked.clone()];
        assert_eq!(state(&keys, &stopped, 10 * MIN), KeyState::Retiring);
        assert_eq!(retires_at(&keys, &stopped, 10 * MIN), Some(5 * MIN));
        assert_eq!(retires_at(&keys, &revoked, 10 * MIN), None);
    }
}
