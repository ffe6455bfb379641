//! The sign-in portal's sessions: a cookie value of 256 random bits (OsRng) that is stored only as
//! its SHA-256, idle limit `--refresh-ttl` sliding on use but written at most once a minute,
//! absolute limit `--session-max-age`. Such a session opens forward auth and nothing else. Here
//! too: the new session's record, which app and portal sessions start from alike.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{still_as_checked, Client, SessionRules};
use crate::domain::SessionId;
use crate::error::ApiError;
use crate::store::Factors;
use crate::store::{IssueTimes, NewSession, PortalTouch, Session, SessionKind, SessionTx, User};

/// A use of a portal session moves its idle limit on at most this often:
/// a browser checked on every request of every tool costs one write a minute.
pub const TOUCH_INTERVAL_MS: i64 = 60_000;

/// A portal cookie's value. Never printed; the database holds its hash.
pub struct PortalSecret(String);

impl PortalSecret {
    fn generate() -> PortalSecret {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        PortalSecret(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The SHA-256 the store finds a portal session by. A cookie value of any
/// shape is hashed: a forged one simply finds nothing.
pub fn portal_hash(cookie_value: &str) -> [u8; 32] {
    Sha256::digest(cookie_value.as_bytes()).into()
}

/// A portal session just started.
pub struct PortalGrant {
    pub user: User,
    pub session_id: String,
    pub cookie: PortalSecret,
    /// The absolute limit: the cookie's `Max-Age` counts down to it.
    pub absolute_expires_at: i64,
    pub factors: Factors,
}

impl SessionRules {
    /// After the password (and second factor) checked out at the portal: a
    /// new portal session, refused as `start` refuses if the user changed
    /// since its password was read.
    pub fn start_portal(
        &self,
        tx: &dyn SessionTx,
        (user, factors): (User, Factors),
        client: Client,
        now: i64,
    ) -> Result<PortalGrant, ApiError> {
        still_as_checked(tx, &user)?;
        let cookie = PortalSecret::generate();
        let hash = portal_hash(cookie.expose());
        let session = self.new_session((&user, factors), client, Some(hash), now);
        tx.create_session(&session)?;
        Ok(PortalGrant {
            user,
            session_id: session.id.as_str().to_string(),
            cookie,
            absolute_expires_at: session.absolute_expires_at,
            factors,
        })
    }

    /// A session starting now for `user` at `client`; `portal_hash` makes
    /// it a portal session.
    pub(super) fn new_session(
        &self,
        (user, factors): (&User, Factors),
        client: Client,
        portal_hash: Option<[u8; 32]>,
        now: i64,
    ) -> NewSession {
        NewSession {
            id: SessionId::generate(),
            user_id: user.id,
            now,
            idle_expires_at: now.saturating_add(self.refresh_ttl.min(self.max_age)),
            absolute_expires_at: now.saturating_add(self.max_age),
            issued_to: client.fingerprint(&self.client_key),
            user_agent: client.user_agent,
            ip: client.ip,
            factors,
            issue_times: IssueTimes::first(now),
            portal_hash,
        }
    }

    /// Whether a portal cookie's session lets its user through now.
    pub fn portal_live(&self, session: &Session, user: &User, now: i64) -> bool {
        session.kind == SessionKind::Portal
            && session.ended.is_none()
            && !session.is_expired(now)
            && !user.disabled
    }

    /// The write that slides a live portal session's idle limit, when the
    /// last one is at least `TOUCH_INTERVAL_MS` old.
    pub fn portal_touch(&self, session: &Session, now: i64) -> Option<PortalTouch> {
        let written_before = now - TOUCH_INTERVAL_MS;
        (session.last_used_at <= written_before).then(|| PortalTouch {
            session_id: session.id.clone(),
            now,
            idle_expires_at: now
                .saturating_add(self.refresh_ttl)
                .min(session.absolute_expires_at),
            written_before: written_before + 1,
        })
    }
}
