//! What a login starts once its checks pass: an app session (continuing the presented refresh
//! cookie's) or a sign-in portal session. The throttle, the hash and the second factor before it are
//! the same for both.

use crate::auth::sessions::{Client, Grant, PortalGrant};
use crate::domain::RefreshSecret;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Factors, SessionTx, User};

/// A login whose password (and code), or passkey, checked out, as `user`
/// was read before the check, from `client` at `now`.
#[derive(Clone)]
pub struct Checked {
    pub user: User,
    pub factors: Factors,
    pub client: Client,
    pub now: i64,
}

/// What a checked login starts on the session writer: an app session
/// (continuing the presented refresh cookie's), or a portal session. The
/// checks before it are the same for both.
pub trait Begin: Send + 'static {
    type Grant: Send + 'static;
    /// Which writer the work goes to (see `SessionStore::submit_session_work`).
    fn affinity(&self) -> Option<u64>;
    fn begin(
        &self,
        state: &AppState,
        tx: &dyn SessionTx,
        checked: Checked,
    ) -> Result<Self::Grant, ApiError>;
}

impl Begin for Option<RefreshSecret> {
    type Grant = Grant;

    fn affinity(&self) -> Option<u64> {
        self.as_ref().map(|presented| presented.affinity())
    }

    fn begin(
        &self,
        state: &AppState,
        tx: &dyn SessionTx,
        checked: Checked,
    ) -> Result<Grant, ApiError> {
        let Checked {
            user,
            factors,
            client,
            now,
        } = checked;
        let login = (user, factors);
        let mut grant = state
            .sessions
            .start(tx, login, self.as_ref(), client, now)?;
        grant.signer_revoked = state.tokens.signer_revoked(tx)?;
        Ok(grant)
    }
}

/// A sign-in at the portal: a new portal session (it signs no token).
pub struct Portal;

impl Begin for Portal {
    type Grant = PortalGrant;

    fn affinity(&self) -> Option<u64> {
        None
    }

    fn begin(
        &self,
        state: &AppState,
        tx: &dyn SessionTx,
        checked: Checked,
    ) -> Result<PortalGrant, ApiError> {
        let login = (checked.user, checked.factors);
        state
            .sessions
            .start_portal(tx, login, checked.client, checked.now)
    }
}

/// Who a started session is for (the audit trail names them).
pub trait SignedIn {
    fn user(&self) -> &User;
}

impl SignedIn for Grant {
    fn user(&self) -> &User {
        &self.user
    }
}

impl SignedIn for PortalGrant {
    fn user(&self) -> &User {
        &self.user
    }
}
