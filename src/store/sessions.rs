//! Sessions as stored, the refresh rules' transaction (`SessionTx`) and the store's other session
//! operations: end, list, check, sweep.

use super::{IssueTimes, PortalTouch, SessionKind, StoreError, StoreResult, User};
use crate::domain::{RefreshHash, SessionId};

/// Why a session ended; kept until the sweeper removes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    Logout,
    Revoked,
    PasswordChanged,
    ReuseDetected,
    UserDisabled,
    /// The user's second factor was added or removed.
    MfaChanged,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::ReuseDetected => "reuse_detected",
            EndReason::UserDisabled => "user_disabled",
            EndReason::MfaChanged => "mfa_changed",
        }
    }

    pub fn parse(text: &str) -> EndReason {
        match text {
            "logout" => EndReason::Logout,
            "password_changed" => EndReason::PasswordChanged,
            "reuse_detected" => EndReason::ReuseDetected,
            "user_disabled" => EndReason::UserDisabled,
            "mfa_changed" => EndReason::MfaChanged,
            _ => EndReason::Revoked,
        }
    }
}

/// How a session's sign-in proved who it was: what its tokens' `amr` says,
/// and whether access rules count it as two factors. Stored as a small number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Factors {
    #[default]
    Password,
    PasswordAndCode,
    /// One gesture on a passkey: something held, verified by PIN or biometrics.
    Passkey,
}

impl Factors {
    pub fn code(self) -> i16 {
        match self {
            Factors::Password => 0,
            Factors::PasswordAndCode => 1,
            Factors::Passkey => 2,
        }
    }

    /// Anything unknown reads as the weakest.
    pub fn from_code(code: i64) -> Factors {
        match code {
            1 => Factors::PasswordAndCode,
            2 => Factors::Passkey,
            _ => Factors::Password,
        }
    }

    pub fn two(self) -> bool {
        self != Factors::Password
    }

    pub fn amr(self) -> &'static [&'static str] {
        match self {
            Factors::Password => &["pwd"],
            Factors::PasswordAndCode => &["pwd", "otp"],
            Factors::Passkey => &["hwk", "mfa"],
        }
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub generation: i64,
    pub created_at: i64,
    pub last_used_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub ended: Option<EndReason>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// How its sign-in proved who it was (its tokens' `amr`).
    pub factors: Factors,
    /// When its newest ids were issued.
    pub issue_times: IssueTimes,
    /// The fingerprint of the client its live id was issued to; `None` while
    /// that id is a chained one from before counted ids (its row has it).
    pub issued_to: Option<Vec<u8>>,
    pub kind: SessionKind,
}

impl Session {
    pub fn expires_at(&self) -> i64 {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at()
    }
}

#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: SessionId,
    pub user_id: i64,
    pub now: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// The fingerprint of the client the first id is issued to.
    pub issued_to: [u8; 16],
    /// How the login proved who it was.
    pub factors: Factors,
    /// `IssueTimes::first(now)`: the first id is issued now.
    pub issue_times: IssueTimes,
    /// A portal session: the SHA-256 of its cookie's value (never the value).
    pub portal_hash: Option<[u8; 32]>,
}

/// What a presented refresh id leads to: its session and user, and the
/// generation it was issued for.
#[derive(Clone, Debug)]
pub struct RefreshRecord {
    pub session: Session,
    pub user: User,
    /// The generation of the presented id; below `session.generation` once rotated.
    pub generation: i64,
    /// A chained id's row: when it was handed out (its predecessor's
    /// rotation) and to which client; `None` for a counted id, and in rows
    /// from before these were recorded.
    pub issued_at: Option<i64>,
    pub issued_to: Option<Vec<u8>>,
}

/// Move a session from `from_generation` to the next: one row updated, nothing inserted.
#[derive(Clone, Debug)]
pub struct Rotation {
    pub session_id: String,
    pub from_generation: i64,
    pub now: i64,
    pub idle_expires_at: i64,
    /// The fingerprint of the client that rotated, the one a replay must come from.
    pub issued_to: [u8; 16],
    /// A login that continues the session says how it authenticated; a refresh keeps it.
    pub factors: Option<Factors>,
    /// The session's issue times with `now` added.
    pub issue_times: IssueTimes,
}

/// A refresh's rotation in one statement (see `SessionTx::advance`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advance {
    pub session_id: String,
    /// The presented id's generation: the session must be at it.
    pub from_generation: i64,
    pub now: i64,
    /// `now` plus the idle limit; the store caps it at the session's absolute limit.
    pub idle_until: i64,
    /// The fingerprint of the client that rotated.
    pub issued_to: [u8; 16],
}

/// What one sweep deleted: dead sessions, and refresh ids whose session is gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: usize,
    pub refresh_ids: usize,
}

impl Swept {
    /// Whether a sweep of `batch` filled it, so there may be more to delete.
    pub fn was_full(&self, batch: usize) -> bool {
        self.sessions >= batch || self.refresh_ids >= batch
    }
}

/// Which of a user's sessions to end along with a change to the user.
#[derive(Clone, Copy, Debug)]
pub enum EndSessions<'a> {
    None,
    All(EndReason),
    AllBut(&'a str, EndReason),
}

impl<'a> EndSessions<'a> {
    /// The session to keep, if any, and why the others end; `None` ends none.
    pub fn kept_and_reason(self) -> Option<(Option<&'a str>, EndReason)> {
        match self {
            EndSessions::None => None,
            EndSessions::All(reason) => Some((None, reason)),
            EndSessions::AllBut(keep, reason) => Some((Some(keep), reason)),
        }
    }
}

/// Where a user stands as a session is about to start for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub disabled: bool,
    pub credentials_version: i64,
}

/// The reads and writes of the refresh rules. They all run inside one write
/// transaction, shared with other requests' work (group commit), so what is
/// read cannot change before it is written.
pub trait SessionTx {
    /// The user as it is now (`None`: deleted). No change that ends the
    /// user's sessions can commit between this read and the transaction's
    /// commit without seeing what the transaction wrote: on SQLite the
    /// writer holds the one write lock, on PostgreSQL the row is read `FOR SHARE`.
    fn user_standing(&self, user_id: i64) -> StoreResult<Option<Standing>>;
    /// A session and its user by the session's id (a counted id names it).
    fn find_session(&self, session_id: &str) -> StoreResult<Option<(Session, User)>>;
    /// What a chained id from before counted ids leads to, by its hash.
    fn find_refresh(&self, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>>;
    fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// Returns false when the session is no longer at `from_generation`.
    fn rotate(&self, rotation: &Rotation) -> StoreResult<bool>;
    /// A refresh's rotation without a read first, for the common case: when
    /// the session is an app session at `from_generation`, not ended, not
    /// expired at `now`, and its user is enabled (exactly when the rules
    /// would rotate it), it moves on as `rotate` would move it (its issue
    /// times gain `now`, its factors stay) and is returned with its user;
    /// otherwise nothing is written. `None` sends the rules the full way
    /// (read, decide, write), so a store may decline always: SQLite's writer
    /// reads in process, where a read first costs no round trip (measured:
    /// offering the step there cost CPU), while on PostgreSQL it saves one.
    fn advance(&self, _advance: &Advance) -> StoreResult<Option<(Session, User)>> {
        Ok(None)
    }
    /// Returns false when there was no live session with that id.
    fn end_session(&self, session_id: &str, reason: EndReason, now: i64) -> StoreResult<bool>;
    fn delete_session(&self, session_id: &str) -> StoreResult<()>;
    /// Whether the signing key `kid` is revoked (or unknown): read where a
    /// grant is made, so a key revoked since the ring was built signs nothing.
    fn signing_key_revoked(&self, kid: &str) -> StoreResult<bool>;
}

/// Work for the session writer: the refresh rules, run inside the writer's
/// transaction, then answered once that transaction has committed (or failed).
pub trait SessionJob: Send {
    /// Runs in the open transaction (or learns why there is none) and says
    /// whether its writes are to be kept. A writer may roll a batch back and
    /// run it again (nothing was answered yet): each run starts afresh.
    fn run(&mut self, tx: StoreResult<&dyn SessionTx>) -> bool;
    /// Tells the caller the outcome of its last run, once the transaction's
    /// fate is known.
    fn answer(self: Box<Self>, committed: StoreResult<()>);
    /// The one-step rotation (`SessionTx::advance`) the job asks for first,
    /// when that is known before it runs: a writer may run those of a whole
    /// batch in one statement and hand each job its outcome when it asks.
    fn advance(&self) -> Option<&Advance> {
        None
    }
}
pub type SessionWork = Box<dyn SessionJob>;

impl dyn SessionJob {
    /// Answers, without a transaction, why there is none.
    pub fn refuse(mut self: Box<Self>, error: StoreError) {
        self.run(Err(error.clone()));
        self.answer(Err(error));
    }
}

/// Sessions outside the refresh rules' transaction: ending them, reading
/// them for a request or a list, and sweeping the dead ones.
pub trait SessionStore {
    /// Queues refresh-rule work for the next group commit (see `SessionTx`).
    /// Work with the same `affinity` (one refresh id's) goes to the same
    /// writer, so two requests for one session never hold locks in two
    /// open batches at once, where they could deadlock with another pair.
    fn submit_session_work(&self, affinity: Option<u64>, work: SessionWork);
    fn end_user_sessions(&self, user_id: i64, end: EndSessions, now: i64) -> StoreResult<usize>;
    /// The session and its user, for checking an access token; `None` as
    /// well when the token's `kid` is revoked or unknown (one connection,
    /// as this runs on every authenticated request).
    fn session_with_user(
        &self,
        session_id: &str,
        kid: Option<&str>,
    ) -> StoreResult<Option<(Session, User)>>;
    /// Runs a run of access checks queued together (`session_with_user` calls),
    /// in one read snapshot where that saves the backend work per check.
    fn in_one_snapshot(&self, run: &mut dyn FnMut()) {
        run();
    }
    fn live_sessions(&self, user_id: i64, now: i64) -> StoreResult<Vec<Session>>;
    /// Deletes up to `batch` expired or ended sessions, and up to `batch` refresh ids
    /// whose session is gone.
    fn sweep(&self, now: i64, batch: usize) -> StoreResult<Swept>;
    /// Ends a session only if it is a live one of `user_id`; false otherwise.
    fn end_own_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: EndReason,
        now: i64,
    ) -> StoreResult<bool>;
    /// A portal session and its user, by the SHA-256 of its cookie's value.
    fn portal_session(&self, hash: &[u8; 32]) -> StoreResult<Option<(Session, User)>>;
    /// Slides a live portal session's idle limit, unless it was written
    /// since `written_before` (so at most one write per interval); false
    /// when nothing was written.
    fn touch_portal_session(&self, touch: &PortalTouch) -> StoreResult<bool>;
    /// Sessions neither ended nor expired, of all users (for the metrics).
    fn count_live_sessions(&self, now: i64) -> StoreResult<u64>;
}
