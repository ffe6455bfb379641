//! The second factor's rules: TOTP secrets sealed at rest (ChaCha20-Poly1305 under a key derived
//! from the signing secret, the user id as associated data), each time step and each recovery code
//! accepted once, recovery codes kept only as keyed hashes, and the single-use `mfa_token` of a
//! login's second step.

mod text;
mod token;
pub mod totp;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::error::ApiError;
use crate::store::{EndReason, EndSessions, MfaConfirm, Store};
use text::{normalize, qr_svg, recovery_code, url_encode, RECOVERY_LEN};
pub use token::{token_hash, TOKEN_MAX_FAILURES, TOKEN_TTL_MS};

const RECOVERY_CODES: usize = 10;

pub struct MfaRules {
    cipher: ChaCha20Poly1305,
    recovery_key: [u8; 32],
    issuer: String,
}

/// What a code proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Totp,
    Recovery,
    Wrong,
}

/// A pending secret, as an authenticator app takes it, and the code of the
/// factor in force that allowed it (`None`: there was none).
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
    pub proved_by: Option<Verdict>,
}

fn derive(signing_secret: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(signing_secret).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl MfaRules {
    /// Keys derived with their own labels, so neither equals the JWT,
    /// chain or signing-key sealing key.
    pub fn new(signing_secret: &[u8], issuer: &str) -> MfaRules {
        let key = derive(signing_secret, b"latchkey mfa-secrets v1");
        MfaRules {
            cipher: ChaCha20Poly1305::new(&key.into()),
            recovery_key: derive(signing_secret, b"latchkey mfa-recovery v1"),
            issuer: issuer.to_string(),
        }
    }

    fn seal(&self, user_id: i64, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = user_id.to_be_bytes();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            .expect("sealing 20 bytes cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// A secret sealed under another signing secret, or for another user, does not open.
    fn open(&self, user_id: i64, sealed: &[u8]) -> Result<Vec<u8>, ApiError> {
        let (nonce, sealed) = sealed
            .split_at_checked(12)
            .ok_or_else(|| ApiError::internal("a stored second-factor secret is truncated"))?;
        let aad = user_id.to_be_bytes();
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                ApiError::internal("a second-factor secret does not open with this signing secret")
            })
    }

    /// A new pending secret for `username`; a confirmed one stays in force until this one is
    /// confirmed. While one is in force, a code of it (or a recovery code) must come along:
    /// the password alone (with a stolen access token) never replaces a factor.
    pub fn enrol(
        &self,
        store: &dyn Store,
        (user_id, username): (i64, &str),
        code: Option<&str>,
        now: i64,
    ) -> Result<Enrolment, ApiError> {
        let in_force = store.mfa(user_id)?.unwrap_or_default().secret;
        let proved_by = self.prove(store, (user_id, in_force.is_some()), code, now)?;
        let mut secret = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let sealed = self.seal(user_id, &secret);
        // Only over the factor just judged: one confirmed meanwhile needs its code.
        if !store.set_pending_mfa(user_id, &sealed, in_force.as_deref(), now)? {
            return Err(ApiError::WrongCode);
        }
        let encoded = totp::base32(&secret);
        let otpauth_url = format!(
            "otpauth://totp/{}:{}?secret={encoded}&issuer={}",
            url_encode(&self.issuer),
            url_encode(username),
            url_encode(&self.issuer)
        );
        let qr_svg = qr_svg(&otpauth_url)?;
        Ok(Enrolment {
            secret: encoded,
            otpauth_url,
            qr_svg,
            proved_by,
        })
    }

    /// While a factor is `in_force`, a change to the user's factors needs
    /// one of its codes (or a recovery code): which kind proved it. Without
    /// one, or wrong, `WrongCode` (400).
    pub fn prove(
        &self,
        store: &dyn Store,
        (user_id, in_force): (i64, bool),
        code: Option<&str>,
        now: i64,
    ) -> Result<Option<Verdict>, ApiError> {
        match (in_force, code.filter(|c| !c.trim().is_empty())) {
            (false, _) => Ok(None),
            (true, None) => Err(ApiError::WrongCode),
            (true, Some(code)) => match self.check(store, user_id, code, now)? {
                Verdict::Wrong => Err(ApiError::WrongCode),
                verdict => Ok(Some(verdict)),
            },
        }
    }

    /// A code of the pending secret makes it the factor login asks for, with
    /// new recovery codes (returned, the only time they are seen in clear);
    /// every session but `keep` ends.
    pub fn confirm(
        &self,
        store: &dyn Store,
        user_id: i64,
        typed: &str,
        keep: &str,
        now: i64,
    ) -> Result<Vec<String>, ApiError> {
        let record = store.mfa(user_id)?.unwrap_or_default();
        let pending = record.pending_secret.ok_or(ApiError::WrongCode)?;
        let secret = self.open(user_id, &pending)?;
        let step = totp::matching_step(&secret, &normalize(typed), totp::step_at(now / 1000))
            .ok_or(ApiError::WrongCode)?;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes: Vec<[u8; 32]> = codes
            .iter()
            .map(|c| self.recovery_hash(user_id, &normalize(c)))
            .collect();
        let confirm = MfaConfirm {
            user_id,
            pending_secret: &pending,
            step,
            recovery_hashes: &hashes,
            now,
        };
        let end = EndSessions::AllBut(keep, EndReason::MfaChanged);
        if !store.confirm_mfa(&confirm, end)? {
            return Err(ApiError::WrongCode);
        }
        Ok(codes)
    }

    /// Checks a code (or recovery code) against the confirmed factor and
    /// uses it up: its step, and every earlier one, or the recovery code.
    pub fn check(
        &self,
        store: &dyn Store,
        user_id: i64,
        typed: &str,
        now: i64,
    ) -> Result<Verdict, ApiError> {
        let record = store.mfa(user_id)?.unwrap_or_default();
        let Some(sealed) = record.secret else {
            return Ok(Verdict::Wrong);
        };
        let typed = normalize(typed);
        if typed.len() == RECOVERY_LEN {
            let hash = self.recovery_hash(user_id, &typed);
            let used = store.use_recovery_code(user_id, &hash, now)?;
            return Ok(if used {
                Verdict::Recovery
            } else {
                Verdict::Wrong
            });
        }
        let secret = self.open(user_id, &sealed)?;
        match totp::matching_step(&secret, &typed, totp::step_at(now / 1000)) {
            Some(step) if store.use_mfa_step(user_id, step)? => Ok(Verdict::Totp),
            _ => Ok(Verdict::Wrong),
        }
    }

    /// Keyed by the user too, so one user's code hash means nothing for another.
    fn recovery_hash(&self, user_id: i64, normalized: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.recovery_key)
            .expect("HMAC takes any key length");
        mac.update(&user_id.to_be_bytes());
        mac.update(normalized.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_under_its_signing_secret() {
        let rules = MfaRules::new(&[1; 32], "latchkey");
        let sealed = rules.seal(7, b"twenty-byte-secret!!");
        assert_eq!(rules.open(7, &sealed).unwrap(), b"twenty-byte-secret!!");
        assert!(rules.open(8, &sealed).is_err());
        assert!(MfaRules::new(&[2; 32], "latchkey")
            .open(7, &sealed)
            .is_err());
    }
}
