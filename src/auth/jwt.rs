//! Access tokens: JWTs with `typ: at+jwt`, HS256 or EdDSA (with `kid`); verification pins each
//! algorithm to its own keys (HS256 to the secret, EdDSA to the ring's public keys, so tokens of
//! either stay valid across a switch) and checks signature, `typ`, `exp`, `iat` (30 s leeway either
//! way) and `iss`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, TokenData,
    Validation,
};
use serde::{Deserialize, Serialize};

use crate::auth::ring::Ring;
use crate::auth::verified::VerifiedTokens;
use crate::store::User;

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 30;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub jti: String,
    pub sid: String,
    pub admin: bool,
    /// The user's groups when the token was issued (login or refresh);
    /// latchkey's own checks read the database instead.
    #[serde(default)]
    pub groups: Vec<String>,
    /// How the session's login authenticated (RFC 8176): `["pwd"]`, or
    /// `["pwd","otp"]` after a second factor. Absent from tokens issued
    /// before it existed.
    #[serde(default)]
    pub amr: Vec<String>,
    /// The EdDSA key that signed it (from the header; not a claim).
    #[serde(skip)]
    pub kid: Option<String>,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ed_validation: Validation,
    header: Header,
    issuer: String,
    ttl: Duration,
    /// Sign with EdDSA (the ring's signer) rather than HS256.
    eddsa: bool,
    ring: RwLock<Arc<Ring>>,
    /// A token verified once is remembered until it expires.
    verified: VerifiedTokens,
}

fn validation(alg: Algorithm, issuer: &str) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = LEEWAY_SECS;
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "iat"]);
    validation
}

pub struct AccessToken {
    pub token: String,
    /// Seconds from now until the token expires.
    pub expires_in: u64,
}

impl TokenKeys {
    pub fn new(key: &[u8], issuer: &str, ttl: Duration) -> Result<TokenKeys, String> {
        let encoding = EncodingKey::from_secret(key).map_err(|e| format!("signing key: {e}"))?;
        let decoding = DecodingKey::from_secret(key).map_err(|e| format!("signing key: {e}"))?;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        Ok(TokenKeys {
            encoding,
            decoding,
            validation: validation(Algorithm::HS256, issuer),
            ed_validation: validation(Algorithm::EdDSA, issuer),
            header,
            issuer: issuer.into(),
            ttl,
            eddsa: false,
            ring: RwLock::default(),
            verified: VerifiedTokens::default(),
        })
    }

    /// Signs with the ring's EdDSA key from now on.
    pub fn with_eddsa(mut self, eddsa: bool) -> TokenKeys {
        self.eddsa = eddsa;
        self
    }

    /// The kid new tokens are signed with: the ring's signer with EdDSA;
    /// `None` with HS256.
    pub fn signing_kid(&self) -> Option<String> {
        if !self.eddsa {
            return None;
        }
        self.ring().signer.as_ref().map(|(kid, _)| kid.clone())
    }

    pub fn ring(&self) -> Arc<Ring> {
        self.ring.read().expect("ring lock").clone()
    }

    pub fn set_ring(&self, ring: Ring) {
        *self.ring.write().expect("ring lock") = Arc::new(ring);
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(
        &self,
        user: &User,
        session_id: &str,
        mfa: bool,
        now_secs: i64,
    ) -> Result<AccessToken, String> {
        let amr = if mfa {
            &["pwd", "otp"][..]
        } else {
            &["pwd"][..]
        };
        let claims = Claims {
            sub: user.username.clone(),
            iat: now_secs,
            exp: now_secs + self.ttl.as_secs() as i64,
            iss: self.issuer.clone(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            sid: session_id.into(),
            admin: user.admin,
            groups: user.groups.clone(),
            amr: amr.iter().map(|m| m.to_string()).collect(),
            kid: None,
        };
        let token = if self.eddsa {
            let ring = self.ring();
            let (kid, key) = ring.signer.as_ref().ok_or("no EdDSA signing key")?;
            let mut header = Header::new(Algorithm::EdDSA);
            header.typ = self.header.typ.clone();
            header.kid = Some(kid.clone());
            encode(&header, &claims, key)
        } else {
            encode(&self.header, &claims, &self.encoding)
        };
        let token = token.map_err(|e| e.to_string())?;
        Ok(AccessToken {
            token,
            expires_in: self.ttl.as_secs(),
        })
    }

    /// Any failure — bad signature, other algorithm, expired, wrong issuer,
    /// not typed `at+jwt` (RFC 9068: an ID token or other JWT signed with the
    /// same key is no access token), issued in the future, malformed — is the
    /// same `None`: the caller answers one 401 for all.
    ///
    /// A token verified before comes from the cache until its `exp`: a hash
    /// of the token costs less than decoding it again (its JSON twice) and its
    /// signature. An EdDSA token whose key left the ring (revoked) is refused
    /// though cached, so a cached token never outlives its key.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let now = chrono::Utc::now().timestamp();
        let leeway = LEEWAY_SECS as i64;
        if let Some(claims) = self.verified.get(token, now, leeway) {
            let key_live = claims
                .kid
                .as_ref()
                .is_none_or(|kid| self.ring().verifiers.contains_key(kid));
            return key_live.then_some(claims);
        }
        let header = decode_header(token).ok()?;
        let claims = match header.alg {
            Algorithm::HS256 => checked(decode(token, &self.decoding, &self.validation).ok()?),
            Algorithm::EdDSA => self.verify_eddsa(token, header.kid?),
            _ => None,
        }?;
        self.verified.insert(token, &claims, now, leeway);
        Some(claims)
    }

    fn verify_eddsa(&self, token: &str, kid: String) -> Option<Claims> {
        let ring = self.ring();
        let key = ring.verifiers.get(&kid)?;
        let mut claims = checked(decode(token, key, &self.ed_validation).ok()?)?;
        claims.kid = Some(kid);
        Some(claims)
    }
}

/// The checks `Validation` lacks: `typ` (RFC 9068: an ID token or other JWT
/// signed with the same key is no access token) and an `iat` not in the future.
fn checked(data: TokenData<Claims>) -> Option<Claims> {
    let typed = data
        .header
        .typ
        .as_deref()
        .is_some_and(|typ| typ.eq_ignore_ascii_case("at+jwt"));
    let issued_in_past = data.claims.iat <= chrono::Utc::now().timestamp() + LEEWAY_SECS as i64;
    (typed && issued_in_past).then_some(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: 1,
            username: "alice".into(),
            email: None,
            full_name: None,
            password_hash: String::new(),
            admin: true,
            disabled: false,
            created_at: 0,
            credentials_version: 0,
            groups: vec!["ops".into()],
        }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
        let issued = keys.issue(&user(), "sid1", false, now()).unwrap();
        assert_eq!(issued.expires_in, 300);
        let claims = keys.verify(&issued.token).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.sid.as_str(), claims.admin),
            ("alice", "sid1", true)
        );
        let header = jsonwebtoken::decode_header(&issued.token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn other_keys_issuers_and_expired_tokens_fail() {
        let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
        let other_key = TokenKeys::new(&[2; 32], "latchkey", Duration::from_secs(300)).unwrap();
        let other_iss = TokenKeys::new(&[1; 32], "someone-else", Duration::from_secs(300)).unwrap();
        assert!(keys
            .verify(&other_key.issue(&user(), "s", false, now()).unwrap().token)
            .is_none());
        assert!(keys
            .verify(&other_iss.issue(&user(), "s", false, now()).unwrap().token)
            .is_none());
        let stale = keys
            .issue(&user(), "s", false, now() - 300 - LEEWAY_SECS as i64 - 5)
            .unwrap();
        assert!(keys.verify(&stale.token).is_none());
        assert!(keys.verify("not.a.jwt").is_none());
    }

    #[test]
    fn a_token_verified_before_still_verifies_and_a_forged_one_beside_it_does_not() {
        let keys = TokenKeys::new(&[1; 32], "latchkey", Duration::from_secs(300)).unwrap();
        let token = keys.issue(&user(), "sid1", false, now()).unwrap().token;
        let first = keys.verify(&token).unwrap();
        let again = keys.verify(&token).unwrap();
        assert_eq!((again.sid, again.jti), (first.sid, first.jti));
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{flipped}{}", &signature[1..]);
        assert!(keys.verify(&forged).is_none());
        let other = TokenKeys::new(&[2; 32], "latchkey", Duration::from_secs(300)).unwrap();
        assert!(other.verify(&token).is_none(), "the cache is the keys' own");
    }
}
