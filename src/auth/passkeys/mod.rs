//! Passkeys: the relying party's two ceremonies, each in two steps whose state lives in the
//! database (any instance finishes what another began). Registration needs the password (and the
//! code); a sign-in needs only the passkey, whose user verification makes it two factors. Every
//! check of what the browser sent is the library's: nothing here parses CBOR or COSE.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder, WebauthnError,
};

use crate::auth::throttle::Key;
use crate::error::ApiError;
use crate::store::{
    Ceremony, EndReason, EndSessions, PasskeyChallenge, PasskeyRecord, Store, User,
};

mod sign_in;
pub use sign_in::{Refusal, SignInChecked};

/// How long a ceremony's challenge lives (the browser's own timeout is the same).
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;
/// A passkey's name: 1–64 characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Live sign-in ceremonies one client address may hold: they need no
/// account, so this bounds what a flood of them can store.
pub const MAX_LIVE_SIGN_INS_PER_ADDRESS: u32 = 64;

pub struct PasskeyRules {
    webauthn: Webauthn,
}

/// A ceremony's first step, for the browser: its id and the options for
/// `navigator.credentials.create` or `.get` (`{"publicKey": {…}}`).
pub struct Begun {
    pub challenge_id: String,
    pub options: Value,
}

impl PasskeyRules {
    /// For pages at `origin` (the public URL, else `http://localhost:<port>`).
    pub fn new(rp_id: &str, origin: &Url, rp_name: &str) -> Result<PasskeyRules, WebauthnError> {
        let webauthn = WebauthnBuilder::new(rp_id, origin)?
            .rp_name(rp_name)
            .build()?;
        Ok(PasskeyRules { webauthn })
    }

    /// Registration, step one (the caller proved the password, and the code).
    pub fn begin_registration(
        &self,
        store: &dyn Store,
        user: &User,
        now: i64,
    ) -> Result<Begun, ApiError> {
        let mut fresh = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut fresh);
        let handle = Uuid::from_bytes(store.passkey_handle(user.id, fresh)?);
        let registered = store.passkeys(user.id)?;
        let exclude = registered
            .iter()
            .filter_map(|p| serde_json::from_str::<Passkey>(&p.credential).ok())
            .map(|p| p.cred_id().clone())
            .collect();
        let shown = user.full_name.as_deref().unwrap_or(&user.username);
        let (options, state) = self
            .webauthn
            .start_passkey_registration(handle, &user.username, shown, Some(exclude))
            .map_err(ApiError::internal)?;
        let mut options = serde_json::to_value(options).map_err(ApiError::internal)?;
        // A passkey is a discoverable credential: sign-in names no user.
        options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();
        let state = serde_json::to_string(&state).map_err(ApiError::internal)?;
        let challenge = (Ceremony::Register, Some(user.id), state);
        let challenge_id = store_challenge(store, challenge, None, now)?;
        Ok(Begun {
            challenge_id,
            options,
        })
    }

    /// Registration, step two: the browser's answer to the challenge of
    /// `challenge_id`, which must be this user's. Ends the user's sessions
    /// but `keep` (the caller's).
    pub fn finish_registration(
        &self,
        store: &dyn Store,
        (user, keep): (&User, &str),
        (challenge_id, name, credential): (&str, &str, Value),
        now: i64,
    ) -> Result<PasskeyRecord, ApiError> {
        let refused =
            |why: &str| ApiError::Refused(format!("The passkey was not registered: {why}."));
        let challenge = take_challenge(store, challenge_id, Ceremony::Register, now)?
            .filter(|c| c.user_id == Some(user.id))
            .ok_or_else(|| refused("unknown, used or expired challenge_id"))?;
        let state: PasskeyRegistration =
            serde_json::from_str(&challenge.state).map_err(ApiError::internal)?;
        let answer: RegisterPublicKeyCredential = serde_json::from_value(credential)
            .map_err(|_| refused("credential is not a WebAuthn registration"))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &state)
            .map_err(|e| refused(&format!("it did not verify ({e})")))?;
        let credential = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
        let record = PasskeyRecord {
            id: random_id(),
            user_id: user.id,
            credential_id: passkey.cred_id().to_vec(),
            counter: stored_counter(&credential),
            credential,
            name: name.to_string(),
            created_at: now,
            last_used_at: None,
        };
        let end = EndSessions::AllBut(keep, EndReason::MfaChanged);
        if !store.add_passkey(&record, end)? {
            return Err(refused("this passkey is registered already"));
        }
        Ok(record)
    }

    /// Sign-in, step one: a challenge for any of the site's passkeys, for a
    /// client at `address` (429 while it holds too many live ones).
    pub fn begin_sign_in(
        &self,
        store: &dyn Store,
        address: &str,
        now: i64,
    ) -> Result<Begun, ApiError> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(ApiError::internal)?;
        // A button press, not the autofill the library's default asks for.
        options.mediation = None;
        let mut options = serde_json::to_value(options).map_err(ApiError::internal)?;
        // Naming no credential: the browser offers the user's passkeys.
        if let Some(public_key) = options["publicKey"].as_object_mut() {
            public_key.remove("allowCredentials");
        }
        let state = serde_json::to_string(&state).map_err(ApiError::internal)?;
        let client = Key::address(address).bytes();
        let challenge = (Ceremony::SignIn, None, state);
        let challenge_id = store_challenge(store, challenge, Some(client), now)?;
        Ok(Begun {
            challenge_id,
            options,
        })
    }
}

/// The counter inside the library's record of a credential (0 when it has none).
fn stored_counter(credential: &str) -> u32 {
    serde_json::from_str::<Value>(credential)
        .ok()
        .and_then(|record| record["cred"]["counter"].as_u64())
        .and_then(|counter| u32::try_from(counter).ok())
        .unwrap_or(0)
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn challenge_hash(challenge_id: &str) -> [u8; 32] {
    Sha256::digest(challenge_id.as_bytes()).into()
}

/// Stores a ceremony's state under a new random id (only its hash is kept);
/// a sign-in's `client` may hold only so many live ones.
fn store_challenge(
    store: &dyn Store,
    (ceremony, user_id, state): (Ceremony, Option<i64>, String),
    client: Option<Vec<u8>>,
    now: i64,
) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let challenge_id = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = PasskeyChallenge {
        ceremony,
        user_id,
        state,
        expires_at: now + CHALLENGE_TTL_MS,
        client,
    };
    let most = (MAX_LIVE_SIGN_INS_PER_ADDRESS, now);
    if !store.insert_passkey_challenge(&challenge_hash(&challenge_id), &challenge, most)? {
        // The oldest of them is gone within a challenge's lifetime.
        let retry_after_secs = (CHALLENGE_TTL_MS / 1000) as u64;
        return Err(ApiError::Throttled { retry_after_secs });
    }
    Ok(challenge_id)
}

/// The live challenge of `challenge_id`, used up, if it is one of `ceremony`.
fn take_challenge(
    store: &dyn Store,
    challenge_id: &str,
    ceremony: Ceremony,
    now: i64,
) -> Result<Option<PasskeyChallenge>, ApiError> {
    let taken = store.take_passkey_challenge(&challenge_hash(challenge_id), now)?;
    Ok(taken.filter(|c| c.ceremony == ceremony))
}
