//! Passkeys as stored: each credential's public half (the library's record, with its signature
//! counter), its name and dates; each user's random handle; the pending ceremonies. Nothing here
//! can sign anyone in: a copy of these rows holds public keys and spent challenges only.

use super::{EndSessions, StoreResult, User};

/// A registered passkey. Times are Unix milliseconds.
#[derive(Clone, Debug)]
pub struct PasskeyRecord {
    /// Random, shown in the API and the CLI (never the credential id).
    pub id: String,
    pub user_id: i64,
    pub credential_id: Vec<u8>,
    /// The relying party library's record of the credential (JSON): its
    /// public key, signature counter and flags.
    pub credential: String,
    /// The signature counter as of the last use (also inside `credential`);
    /// a use must move it on from exactly this.
    pub counter: u32,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What a ceremony is for: adding a passkey to a signed-in user, or signing in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    SignIn,
}

impl Ceremony {
    pub fn as_str(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::SignIn => "sign_in",
        }
    }

    pub fn parse(text: &str) -> Ceremony {
        match text {
            "register" => Ceremony::Register,
            _ => Ceremony::SignIn,
        }
    }
}

/// A ceremony between its two steps, found by the SHA-256 of its id.
#[derive(Clone, Debug)]
pub struct PasskeyChallenge {
    pub ceremony: Ceremony,
    /// The user adding a passkey; `None` for a sign-in (the passkey says who).
    pub user_id: Option<i64>,
    /// The library's ceremony state (JSON): the challenge it expects back.
    pub state: String,
    pub expires_at: i64,
    /// A sign-in's client address, as the throttle keys it (`None` for a
    /// registration, whose user is signed in): caps the live ones per address.
    pub client: Option<Vec<u8>>,
}

/// A use that passed the library's checks: the credential's new record.
pub struct PasskeyUse<'a> {
    pub id: &'a str,
    /// The counter the check was made against.
    pub from_counter: u32,
    pub counter: u32,
    pub credential: &'a str,
    pub now: i64,
}

/// Passkeys' reads and writes (part of every `Store`).
pub trait PasskeyStore {
    /// The user's handle (16 random bytes the authenticator keeps in place
    /// of the name); `new` becomes it if the user has none yet.
    fn passkey_handle(&self, user_id: i64, new: [u8; 16]) -> StoreResult<[u8; 16]>;
    /// Oldest first.
    fn passkeys(&self, user_id: i64) -> StoreResult<Vec<PasskeyRecord>>;
    /// False, and nothing stored, when the credential id is registered
    /// already (to anyone). Ends sessions as `end` says, in the same transaction.
    fn add_passkey(&self, passkey: &PasskeyRecord, end: EndSessions) -> StoreResult<bool>;
    /// The passkey, its user and the user's handle.
    fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<(PasskeyRecord, User, [u8; 16])>>;
    /// False when the counter moved since it was read (another sign-in with
    /// the same passkey got there first).
    fn use_passkey(&self, used: &PasskeyUse) -> StoreResult<bool>;
    fn rename_passkey(
        &self,
        user_id: i64,
        id: &str,
        name: &str,
    ) -> StoreResult<Option<PasskeyRecord>>;
    /// One passkey (`Some(id)`) or all of the user's; how many went. Ends
    /// sessions as `end` says when any went, in the same transaction.
    fn remove_passkeys(
        &self,
        user_id: i64,
        id: Option<&str>,
        end: EndSessions,
        now: i64,
    ) -> StoreResult<usize>;
    /// How many passkeys each of `user_ids` has (users with none left out).
    fn passkey_counts(&self, user_ids: &[i64]) -> StoreResult<Vec<(i64, u32)>>;
    /// False, and nothing stored, when the challenge's client has `most`
    /// challenges live at `now` already.
    fn insert_passkey_challenge(
        &self,
        hash: &[u8; 32],
        challenge: &PasskeyChallenge,
        most_live: (u32, i64),
    ) -> StoreResult<bool>;
    /// Deletes the challenge if it lives at `now` and returns it: single use.
    fn take_passkey_challenge(
        &self,
        hash: &[u8; 32],
        now: i64,
    ) -> StoreResult<Option<PasskeyChallenge>>;
    /// Deletes up to `batch` expired challenges.
    fn sweep_passkey_challenges(&self, now: i64, batch: usize) -> StoreResult<usize>;
}
