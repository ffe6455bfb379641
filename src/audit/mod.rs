//! The audit trail: which security events exist and how one is described. The server queues them to
//! a background writer (`writer.rs`); the CLI writes its own straight away.

mod writer;

pub use writer::{AuditLog, WriterNotStarted};

use crate::clock;
use crate::store::AuditEvent;

/// Longest stored username, address or user agent: the text of a failed
/// login comes from anyone and must not grow the table without bound.
const MAX_TEXT: usize = 256;

/// The kind of an audit event, stored and listed by its code (`as_str()`, its name in snake case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = EventName, rename_all = "snake_case")]
pub enum Kind {
    LoginOk,
    LoginFailed,
    LoginThrottled,
    /// An already-rotated refresh id came back after the grace: the family was revoked.
    RefreshReuseDetected,
    Logout,
    LogoutAll,
    /// One session ended from the sessions list (`DELETE /user/sessions/{id}`).
    SessionEnded,
    /// Every session of a user ended by an operator (`latchkey sessions revoke-all`).
    SessionsRevoked,
    PasswordChanged,
    /// A wrong current password on `/user/password`.
    PasswordChangeFailed,
    UserCreated,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    /// Admin role granted or taken away (`reason` says which).
    UserRoleChanged,
    /// A user renamed (`user rename`); `reason` names the old name.
    UserRenamed,
    /// A new signing key was published (`keys rotate`); `reason` names its kid.
    KeyRotated,
    /// A signing key was revoked (`keys revoke`); `reason` names its kid.
    KeyRevoked,
    /// The right password of a user with a second factor: a code was asked for.
    LoginCodeRequired,
    /// A pending TOTP secret was made (`POST /user/mfa/totp`).
    MfaEnrolled,
    /// The pending secret was confirmed: login now needs a code.
    MfaConfirmed,
    /// The second factor was removed; `actor` and `reason` say by whom.
    MfaRemoved,
    /// A recovery code was used in place of a code.
    MfaRecoveryCodeUsed,
    /// A wrong, reused or expired one-time code (or `mfa_token`).
    MfaCodeFailed,
    /// A user's groups changed; `reason` lists what was added and removed
    /// (`added=ops,dev;removed=billing`), `actor` says by whom.
    GroupsChanged,
    /// A passkey was registered; `reason` names its id.
    PasskeyAdded,
    /// A passkey was removed; `reason` names its id (or `all`), `actor` says by whom.
    PasskeyRemoved,
    /// A passkey's signature counter did not move on: two copies of the key
    /// may exist. The sign-in was refused; `reason` names the passkey.
    PasskeyCounterRegressed,
}

impl Kind {
    pub const ALL: [Kind; 28] = [
        Kind::LoginOk,
        Kind::LoginFailed,
        Kind::LoginThrottled,
        Kind::RefreshReuseDetected,
        Kind::Logout,
        Kind::LogoutAll,
        Kind::SessionEnded,
        Kind::SessionsRevoked,
        Kind::PasswordChanged,
        Kind::PasswordChangeFailed,
        Kind::UserCreated,
        Kind::UserDisabled,
        Kind::UserEnabled,
        Kind::UserDeleted,
        Kind::UserRoleChanged,
        Kind::UserRenamed,
        Kind::KeyRotated,
        Kind::KeyRevoked,
        Kind::LoginCodeRequired,
        Kind::MfaEnrolled,
        Kind::MfaConfirmed,
        Kind::MfaRemoved,
        Kind::MfaRecoveryCodeUsed,
        Kind::MfaCodeFailed,
        Kind::GroupsChanged,
        Kind::PasskeyAdded,
        Kind::PasskeyRemoved,
        Kind::PasskeyCounterRegressed,
    ];

    /// Events an investigation cannot do without: never dropped when the
    /// queue is full (see `writer.rs`). Each one costs an authenticated
    /// change or a whole session family, so their rate is bounded by the
    /// work that causes them, not by what a client can send.
    pub fn is_critical(self) -> bool {
        matches!(
            self,
            Kind::RefreshReuseDetected
                | Kind::PasswordChanged
                | Kind::SessionsRevoked
                | Kind::UserCreated
                | Kind::UserDisabled
                | Kind::UserEnabled
                | Kind::UserDeleted
                | Kind::UserRoleChanged
                | Kind::UserRenamed
                | Kind::MfaConfirmed
                | Kind::MfaRemoved
                | Kind::GroupsChanged
                | Kind::PasskeyAdded
                | Kind::PasskeyRemoved
                | Kind::PasskeyCounterRegressed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginOk => "login_ok",
            Kind::LoginFailed => "login_failed",
            Kind::LoginThrottled => "login_throttled",
            Kind::RefreshReuseDetected => "refresh_reuse_detected",
            Kind::Logout => "logout",
            Kind::LogoutAll => "logout_all",
            Kind::SessionEnded => "session_ended",
            Kind::SessionsRevoked => "sessions_revoked",
            Kind::PasswordChanged => "password_changed",
            Kind::PasswordChangeFailed => "password_change_failed",
            Kind::UserCreated => "user_created",
            Kind::UserDisabled => "user_disabled",
            Kind::UserEnabled => "user_enabled",
            Kind::UserDeleted => "user_deleted",
            Kind::UserRoleChanged => "user_role_changed",
            Kind::UserRenamed => "user_renamed",
            Kind::KeyRotated => "key_rotated",
            Kind::KeyRevoked => "key_revoked",
            Kind::LoginCodeRequired => "login_code_required",
            Kind::MfaEnrolled => "mfa_enrolled",
            Kind::MfaConfirmed => "mfa_confirmed",
            Kind::MfaRemoved => "mfa_removed",
            Kind::MfaRecoveryCodeUsed => "mfa_recovery_code_used",
            Kind::MfaCodeFailed => "mfa_code_failed",
            Kind::GroupsChanged => "groups_changed",
            Kind::PasskeyAdded => "passkey_added",
            Kind::PasskeyRemoved => "passkey_removed",
            Kind::PasskeyCounterRegressed => "passkey_counter_regressed",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// An event about `username`, now; the other fields are added by the builders.
pub fn event(kind: Kind, username: &str) -> AuditEvent {
    AuditEvent {
        at: clock::now_ms(),
        event: kind.as_str().to_string(),
        username: Some(clipped(username)),
        ..AuditEvent::default()
    }
}

/// What a change of `before` into `after` did to the user's groups, as a
/// `groups_changed` reason (`added=a,b;removed=c`); `None` when nothing.
pub fn groups_reason(before: &[String], after: &[String]) -> Option<String> {
    let (added, removed) = crate::store::groups_difference(before, after);
    (!added.is_empty() || !removed.is_empty())
        .then(|| format!("added={};removed={}", added.join(","), removed.join(",")))
}

/// The builders an event is finished with.
pub trait Describe {
    fn reason(self, reason: &str) -> Self;
    fn actor(self, actor: &str) -> Self;
}

impl Describe for AuditEvent {
    fn reason(mut self, reason: &str) -> AuditEvent {
        self.reason = Some(reason.to_string());
        self
    }

    fn actor(mut self, actor: &str) -> AuditEvent {
        self.actor = Some(clipped(actor));
        self
    }
}

pub(crate) fn clipped(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_from_its_code() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("nope"), None);
    }

    #[test]
    fn a_groups_reason_lists_what_was_added_and_removed() {
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let reason = groups_reason(&names(&["a", "b"]), &names(&["b", "c", "d"]));
        assert_eq!(reason.as_deref(), Some("added=c,d;removed=a"));
        assert_eq!(groups_reason(&names(&["a"]), &names(&["a"])), None);
    }

    #[test]
    fn attacker_chosen_text_is_clipped_and_has_no_control_characters() {
        let long = format!("a\nb{}", "x".repeat(1000));
        let stored = clipped(&long);
        assert_eq!(stored.chars().count(), MAX_TEXT);
        assert!(stored.starts_with("abx"));
    }
}
