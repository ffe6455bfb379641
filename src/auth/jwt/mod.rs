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

use crate::auth::signing::ring::Ring;
use crate::store::{Factors, SessionTx, StoreResult, User};

mod claims;
mod verified;

pub use claims::Claims;
use verified::VerifiedTokens;

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 30;

/// Why a token could not be made: the secret unusable as a key, or (EdDSA)
/// no key in the ring to sign with.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("signing key: {0}")]
    Key(jsonwebtoken::errors::Error),
    #[error("no EdDSA signing key")]
    NoSigner,
    #[error(transparent)]
    Encoding(jsonwebtoken::errors::Error),
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
    pub fn new(key: &[u8], issuer: &str, ttl: Duration) -> Result<TokenKeys, TokenError> {
        let encoding = EncodingKey::from_secret(key).map_err(TokenError::Key)?;
        let decoding = DecodingKey::from_secret(key).map_err(TokenError::Key)?;
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

    /// In the job that makes a grant, after it: whether the key the ring
    /// signs with (EdDSA) was revoked since the ring was built. One
    /// primary-key read in the job's transaction; an HS256 token has no key
    /// to check.
    pub fn signer_revoked(&self, tx: &dyn SessionTx) -> StoreResult<bool> {
        match self.signing_kid() {
            Some(kid) => tx.signing_key_revoked(&kid),
            None => Ok(false),
        }
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
        factors: Factors,
        now_secs: i64,
    ) -> Result<AccessToken, TokenError> {
        let claims = Claims {
            sub: user.username.clone(),
            iat: now_secs,
            exp: now_secs + self.ttl.as_secs() as i64,
            iss: self.issuer.clone(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            sid: session_id.into(),
            admin: user.admin,
            groups: user.groups.clone(),
            amr: factors.amr().iter().map(|m| m.to_string()).collect(),
            kid: None,
        };
        let token = if self.eddsa {
            let ring = self.ring();
            let (kid, key) = ring.signer.as_ref().ok_or(TokenError::NoSigner)?;
            let mut header = Header::new(Algorithm::EdDSA);
            header.typ = self.header.typ.clone();
            header.kid = Some(kid.clone());
            encode(&header, &claims, key)
        } else {
            encode(&self.header, &claims, &self.encoding)
        };
        let token = token.map_err(TokenError::Encoding)?;
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
mod tests;
