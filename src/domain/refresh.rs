//! A refresh id names its session and a counter, authenticated by a MAC under a key derived from
//! the signing secret: nothing about it is stored, so a session's storage never grows with its
//! refreshes and a copy of the database mints none. Ids issued before that (random, chained) are
//! still read: only their hashes are stored.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::SessionId;

/// The MAC key of counted ids, derived from the signing secret; never stored.
#[derive(Clone)]
pub struct IdKey([u8; 32]);

impl IdKey {
    pub fn new(key: [u8; 32]) -> IdKey {
        IdKey(key)
    }

    fn mac(&self, session: &[u8; 16], counter: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(session);
        mac.update(&counter.to_be_bytes());
        mac
    }
}

/// `session ‖ counter ‖ HMAC(key, session ‖ counter)`: the id of a session
/// at one generation. One HMAC under a key of its own is as good a PRF as a
/// per-session key derived from the same secret, at half the work.
#[derive(Clone, PartialEq, Eq)]
pub struct CountedId {
    session: [u8; 16],
    counter: u64,
    mac: [u8; 32],
}

impl CountedId {
    const LEN: usize = 16 + 8 + 32;

    /// The id of `session` at `generation` (never negative).
    pub fn mint(key: &IdKey, session: &[u8; 16], generation: i64) -> CountedId {
        let counter = u64::try_from(generation).expect("generations count up from 0");
        CountedId {
            session: *session,
            counter,
            mac: key.mac(session, counter).finalize().into_bytes().into(),
        }
    }

    /// Whether the server made this id (a constant-time comparison).
    pub fn is_authentic(&self, key: &IdKey) -> bool {
        key.mac(&self.session, self.counter)
            .verify_slice(&self.mac)
            .is_ok()
    }

    pub fn session_id(&self) -> SessionId {
        SessionId::from_bytes(&self.session)
    }

    pub fn generation(&self) -> i64 {
        // Parsing refuses counters past i64::MAX.
        self.counter as i64
    }
}

/// An id issued before counted ids: 256 random bits (after the issue time
/// from schema version 10 on), each successor an HMAC of the previous one.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainedId {
    issued_at: Option<i64>,
    secret: [u8; 32],
}

/// Where a chained id's row is found: the time it was issued, then SHA-256
/// of its secret. Ids issued before schema version 10 carry no time; their
/// key is the hash alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshHash {
    pub issued_at: Option<i64>,
    pub digest: [u8; 32],
}

impl RefreshHash {
    /// The stored key: the time (big-endian) then the digest.
    pub fn key(&self) -> Vec<u8> {
        let mut key = Vec::with_capacity(40);
        if let Some(at) = self.issued_at {
            key.extend_from_slice(&at.to_be_bytes());
        }
        key.extend_from_slice(&self.digest);
        key
    }
}

impl ChainedId {
    #[doc(hidden)]
    pub fn new(issued_at: Option<i64>, secret: [u8; 32]) -> ChainedId {
        ChainedId { issued_at, secret }
    }

    pub fn hash(&self) -> RefreshHash {
        RefreshHash {
            issued_at: self.issued_at,
            digest: Sha256::digest(self.secret).into(),
        }
    }

    /// The next id of the chain, issued at `issued_at`: its secret is
    /// HMAC(chain key, this id's secret).
    pub fn successor(&self, chain_key: &[u8], issued_at: Option<i64>) -> ChainedId {
        let mut mac = Hmac::<Sha256>::new_from_slice(chain_key).expect("HMAC takes any key length");
        mac.update(&self.secret);
        ChainedId {
            issued_at,
            secret: mac.finalize().into_bytes().into(),
        }
    }

    pub fn to_cookie(&self) -> String {
        let mut bytes = Vec::with_capacity(40);
        if let Some(at) = self.issued_at {
            bytes.extend_from_slice(&at.to_be_bytes());
        }
        bytes.extend_from_slice(&self.secret);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// The refresh id carried in the cookie (base64url), never printed.
#[derive(Clone, PartialEq, Eq)]
pub enum RefreshSecret {
    Counted(CountedId),
    Chained(ChainedId),
}

impl RefreshSecret {
    /// 56 bytes: a counted id; 40 (time and secret) or 32 (secret): a chained one.
    pub fn from_cookie(value: &str) -> Option<RefreshSecret> {
        let bytes = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        match bytes.len() {
            CountedId::LEN => {
                let (session, rest) = bytes.split_at(16);
                let (counter, mac) = rest.split_at(8);
                let counter = u64::from_be_bytes(counter.try_into().ok()?);
                i64::try_from(counter).ok()?;
                Some(RefreshSecret::Counted(CountedId {
                    session: session.try_into().ok()?,
                    counter,
                    mac: mac.try_into().ok()?,
                }))
            }
            32 => Some(RefreshSecret::Chained(ChainedId::new(
                None,
                bytes.try_into().ok()?,
            ))),
            40 => {
                let (time, secret) = bytes.split_at(8);
                Some(RefreshSecret::Chained(ChainedId::new(
                    Some(i64::from_be_bytes(time.try_into().ok()?)),
                    secret.try_into().ok()?,
                )))
            }
            _ => None,
        }
    }

    pub fn to_cookie(&self) -> String {
        match self {
            RefreshSecret::Counted(id) => {
                let mut bytes = Vec::with_capacity(CountedId::LEN);
                bytes.extend_from_slice(&id.session);
                bytes.extend_from_slice(&id.counter.to_be_bytes());
                bytes.extend_from_slice(&id.mac);
                URL_SAFE_NO_PAD.encode(bytes)
            }
            RefreshSecret::Chained(id) => id.to_cookie(),
        }
    }

    /// Which session writer takes work on this id (see
    /// `SessionStore::submit_session_work`): for a counted id its session's,
    /// so all of one session's work meets on one writer.
    pub fn affinity(&self) -> u64 {
        let first: [u8; 8] = match self {
            RefreshSecret::Counted(id) => id.session[..8].try_into(),
            RefreshSecret::Chained(id) => id.hash().digest[..8].try_into(),
        }
        .expect("8 bytes");
        u64::from_le_bytes(first)
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

    fn key() -> IdKey {
        IdKey::new([9u8; 32])
    }

    #[test]
    fn counted_ids_round_trip_and_only_the_key_makes_them() {
        let session = SessionId::generate();
        let id = CountedId::mint(&key(), &session.to_bytes(), 7);
        let cookie = RefreshSecret::Counted(id.clone()).to_cookie();
        let Some(RefreshSecret::Counted(read)) = RefreshSecret::from_cookie(&cookie) else {
            panic!("a counted id parses as one");
        };
        assert!(read == id && read.is_authentic(&key()));
        assert_eq!((read.session_id(), read.generation()), (session, 7));
        assert!(!read.is_authentic(&IdKey::new([8u8; 32])));
        let mut forged = read.clone();
        forged.counter += 1;
        assert!(!forged.is_authentic(&key()), "a counter moved on by hand");
        assert!(!format!("{:?}", RefreshSecret::Counted(id)).contains(&cookie));
    }

    #[test]
    fn counters_past_the_generations_range_are_no_id() {
        let mut bytes = vec![0u8; CountedId::LEN];
        bytes[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(RefreshSecret::from_cookie(&URL_SAFE_NO_PAD.encode(bytes)).is_none());
        assert!(RefreshSecret::from_cookie("short").is_none());
    }

    #[test]
    fn chained_ids_from_before_keep_their_keys() {
        let legacy = URL_SAFE_NO_PAD.encode([7u8; 32]);
        let Some(RefreshSecret::Chained(id)) = RefreshSecret::from_cookie(&legacy) else {
            panic!("a 32-byte id parses as a chained one");
        };
        assert_eq!(RefreshSecret::Chained(id.clone()).to_cookie(), legacy);
        assert_eq!(id.hash().key(), Sha256::digest([7u8; 32]).to_vec());
        let next = id.successor(&[9u8; 32], Some(5));
        assert_eq!(next.hash().issued_at, Some(5));
        assert_eq!(next.hash().key().len(), 40);
    }
}
