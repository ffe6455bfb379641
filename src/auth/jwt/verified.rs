//! A bounded cache of verified access tokens, keyed by SHA-256 of the token and kept until the
//! token's `exp` (plus the leeway), so a repeated token costs a hash instead of its decoding and
//! signature check (an Ed25519 verification, or for HS256 its JSON parsed twice and an HMAC). It
//! replaces only those: the session-live check still runs on every request.
//!
//! Hand-written on purpose: `quick_cache` (sharded, S3-FIFO) was measured in its place and made
//! no difference (`callgrind`: the token check 22.3k instructions per `me` either way, of about
//! 94k, most of it the SHA-256 under valgrind; `me` and `verify` req/s within the VM's noise), so it would be a
//! dependency for nothing; see docs/performance.md.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::claims::Claims;

/// Enough for every token live at once on a busy single server.
const CAPACITY: usize = 16_384;
/// What a sweep of a full cache leaves at most: a quarter of the room is
/// free again, so the next sweep is that many inserts away however many
/// tokens are live (a dropped token is only verified again).
const AFTER_SWEEP: usize = CAPACITY / 4 * 3;

#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Claims>>,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified before and is still within
    /// `exp + leeway` at `now` (seconds).
    pub fn get(&self, token: &str, now: i64, leeway: i64) -> Option<Claims> {
        let entries = self.entries.lock().expect("cache lock");
        entries
            .get(&key(token))
            .filter(|claims| claims.exp + leeway > now)
            .cloned()
    }

    pub fn insert(&self, token: &str, claims: &Claims, now: i64, leeway: i64) {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= CAPACITY {
            entries.retain(|_, claims| claims.exp + leeway > now);
            let mut excess = entries.len().saturating_sub(AFTER_SWEEP);
            entries.retain(|_, _| match excess {
                0 => true,
                _ => {
                    excess -= 1;
                    false
                }
            });
        }
        entries.insert(key(token), claims.clone());
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "alice".into(),
            iat: exp - 300,
            exp,
            iss: "latchkey".into(),
            jti: "j".into(),
            sid: "s".into(),
            admin: false,
            groups: Vec::new(),
            amr: vec!["pwd".into()],
            kid: Some("k".into()),
        }
    }

    #[test]
    fn an_entry_lives_until_its_exp_plus_the_leeway() {
        let cache = VerifiedTokens::default();
        cache.insert("t", &claims(1000), 900, 30);
        assert_eq!(cache.get("t", 1029, 30).unwrap().sub, "alice");
        assert!(cache.get("t", 1030, 30).is_none());
        assert!(cache.get("other", 900, 30).is_none());
    }

    #[test]
    fn a_full_cache_drops_expired_entries_first() {
        let cache = VerifiedTokens::default();
        for i in 0..CAPACITY {
            cache.insert(&format!("old{i}"), &claims(100), 0, 0);
        }
        cache.insert("new", &claims(10_000), 5_000, 0);
        assert_eq!(cache.len(), 1);
    }

    /// Full of live tokens, a sweep frees a quarter of the room, so the
    /// next quarter of inserts sweeps nothing and no live token is lost.
    #[test]
    fn a_cache_full_of_live_tokens_frees_a_quarter_at_once() {
        let cache = VerifiedTokens::default();
        for i in 0..CAPACITY {
            cache.insert(&format!("live{i}"), &claims(10_000), 5_000, 0);
        }
        cache.insert("one more", &claims(10_000), 5_000, 0);
        assert_eq!(cache.len(), AFTER_SWEEP + 1);
        for i in 1..CAPACITY - AFTER_SWEEP {
            cache.insert(&format!("next{i}"), &claims(10_000), 5_000, 0);
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get("one more", 5_000, 0).is_some());
    }
}
