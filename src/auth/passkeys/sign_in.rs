//! A passkey sign-in's second step: the assertion against the challenge, the credential it names
//! and that credential's user. Every refusal looks the same to the client; only a counter that
//! did not move on (a cloned key) is told apart, for the audit trail.

use serde_json::Value;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PublicKeyCredential, WebauthnError,
};

use super::{take_challenge, PasskeyRules};
use crate::error::ApiError;
use crate::store::{Ceremony, PasskeyUse, Store, User};

/// Why a sign-in was refused.
#[derive(Debug)]
pub enum Refusal {
    /// Anything the client got wrong (all `invalid_credentials`).
    Refused,
    /// The passkey's counter did not move on: it may have been copied.
    /// Names the user and the passkey, for the audit trail.
    ClonedKey { username: String, passkey: String },
    /// The store or a bug: answered as such.
    Failed(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Refusal {
        Refusal::Failed(e)
    }
}

impl From<crate::store::StoreError> for Refusal {
    fn from(e: crate::store::StoreError) -> Refusal {
        Refusal::Failed(e.into())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::Refused | Refusal::ClonedKey { .. } => ApiError::InvalidCredentials,
            Refusal::Failed(e) => e,
        }
    }
}

/// A sign-in whose assertion verified: the user as read with the passkey
/// (its `credentials_version` is what the session must start at).
pub struct SignInChecked {
    pub user: User,
}

impl PasskeyRules {
    /// Checks the browser's assertion and moves the passkey's counter on.
    pub fn check_sign_in(
        &self,
        store: &dyn Store,
        (challenge_id, credential): (&str, Value),
        now: i64,
    ) -> Result<SignInChecked, Refusal> {
        let challenge =
            take_challenge(store, challenge_id, Ceremony::SignIn, now)?.ok_or(Refusal::Refused)?;
        let state: DiscoverableAuthentication =
            serde_json::from_str(&challenge.state).map_err(ApiError::internal)?;
        let answer: PublicKeyCredential =
            serde_json::from_value(credential).map_err(|_| Refusal::Refused)?;
        let (handle, credential_id) = self
            .webauthn
            .identify_discoverable_authentication(&answer)
            .map_err(|_| Refusal::Refused)?;
        let (record, user, stored_handle) = store
            .passkey_by_credential(credential_id)?
            .ok_or(Refusal::Refused)?;
        if stored_handle != *handle.as_bytes() || user.disabled {
            return Err(Refusal::Refused);
        }
        let mut passkey: Passkey =
            serde_json::from_str(&record.credential).map_err(ApiError::internal)?;
        let key = DiscoverableKey::from(&passkey);
        #[allow(deprecated)] // its successor is not in this release yet
        let result = self
            .webauthn
            .finish_discoverable_authentication(&answer, state, &[key]);
        let result = match result {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                return Err(Refusal::ClonedKey {
                    username: user.username,
                    passkey: record.id,
                })
            }
            Err(_) => return Err(Refusal::Refused),
        };
        passkey.update_credential(&result);
        let updated = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
        let used = PasskeyUse {
            id: &record.id,
            from_counter: record.counter,
            counter: result.counter(),
            credential: &updated,
            now,
        };
        // Another sign-in with the same count got there first: a replay.
        if !store.use_passkey(&used)? {
            return Err(Refusal::Refused);
        }
        Ok(SignInChecked { user })
    }
}
