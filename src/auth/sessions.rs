//! The session rules: login starts (or continues) a family, refresh rotates it, an old id replayed
//! within the grace by the client that rotated it gets the current one; any other replay ends the
//! family. Ids are counted (the session, a generation, a MAC), so a rotation moves one row on and
//! stores nothing new.

use std::time::Duration;

pub use crate::auth::client::Client;
use crate::auth::client::{self, Fingerprint};
use crate::clock;
use crate::domain::{IdKey, RefreshSecret};
use crate::error::ApiError;
use crate::store::{
    Advance, EndReason, Factors, IssueTimes, RefreshRecord, Rotation, SessionTx, User,
};

/// How far behind the live id a replay within the grace may be. Two tabs
/// racing put an id one generation behind; more than a few is not a race.
const MAX_REPLAY_STEPS: i64 = 4;
// A replay rebuilds the successors' ids from their issue times.
const _: () = assert!(MAX_REPLAY_STEPS as usize <= IssueTimes::KEPT);

mod ids;
mod portal;
pub use portal::{portal_hash, PortalGrant, PortalSecret, TOUCH_INTERVAL_MS};
mod replay;
#[cfg(feature = "test-hooks")]
mod test_hook;
#[cfg(test)]
mod tests;

pub struct SessionRules {
    /// Rebuilds the successors of chained ids from before counted ids.
    chain_key: [u8; 32],
    /// Authenticates counted ids.
    id_key: IdKey,
    /// Keys client fingerprints; derived from the chain key, so it differs from it.
    client_key: [u8; 32],
    refresh_ttl: i64,
    max_age: i64,
    grace: i64,
    /// Test hook (see `Config::panic_on_user_agent`).
    #[cfg(feature = "test-hooks")]
    panic_on_user_agent: Option<String>,
}

/// A session handed to a client: who, which family, its live refresh id.
pub struct Grant {
    pub user: User,
    pub session_id: String,
    pub refresh: RefreshSecret,
    pub expires_at: i64,
    /// An old id replayed within the grace, answered with the current one.
    pub replayed: bool,
    /// How the session's sign-in proved who it was (its tokens' `amr`).
    pub factors: Factors,
    /// The key the ring signs with was revoked since the ring was built
    /// (set by the job that made the grant; see `TokenKeys::signer_revoked`).
    pub signer_revoked: bool,
}

/// A family that logout ended, and why: a plain logout, or reuse of an old id.
pub struct Ended {
    pub username: String,
    pub reason: EndReason,
}

enum Step {
    Rotate,
    Behind,
    Expired,
    Ended(EndReason),
    Disabled,
}

impl SessionRules {
    pub fn new(
        chain_key: [u8; 32],
        refresh_ttl: Duration,
        max_age: Duration,
        grace: Duration,
    ) -> SessionRules {
        let client_key = client::fingerprint_key(&chain_key);
        SessionRules {
            chain_key,
            id_key: IdKey::new(crate::secret::derive(
                &chain_key,
                b"latchkey counted refresh id",
            )),
            client_key,
            refresh_ttl: clock::ms(refresh_ttl),
            max_age: clock::ms(max_age),
            grace: clock::ms(grace),
            #[cfg(feature = "test-hooks")]
            panic_on_user_agent: None,
        }
    }

    /// After a successful password check (and second factor, when `mfa`):
    /// continue the caller's own live session if its cookie came along, else
    /// start a new one. `user` is as it was read before its password was
    /// checked: a change since (password, second factor, disable, delete)
    /// refuses the login as the changed user would be.
    pub fn start(
        &self,
        tx: &dyn SessionTx,
        (user, factors): (User, Factors),
        presented: Option<&RefreshSecret>,
        client: Client,
        now: i64,
    ) -> Result<Grant, ApiError> {
        still_as_checked(tx, &user)?;
        let issued_to = client.fingerprint(&self.client_key);
        if let Some(presented) = presented {
            if let Some(record) = self.find(tx, presented)? {
                let own_live_id =
                    record.user.id == user.id && matches!(self.decide(&record, now), Step::Rotate);
                if own_live_id {
                    let login = (issued_to, Some(factors));
                    if let Some(grant) = self.rotate(tx, &record, login, now)? {
                        return Ok(grant);
                    }
                } else if record.session.is_expired(now) {
                    tx.delete_session(&record.session.id)?;
                }
            }
        }
        let session = self.new_session((&user, factors), client, None, now);
        tx.create_session(&session)?;
        Ok(Grant {
            user,
            refresh: self.id_of(&session.id, 0),
            session_id: session.id.as_str().to_string(),
            expires_at: session.idle_expires_at,
            replayed: false,
            factors,
            signer_revoked: false,
        })
    }

    pub fn refresh(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
        client: &Client,
        now: i64,
    ) -> Result<Grant, ApiError> {
        let step = self.advance_for(presented, client, now);
        self.refresh_with(tx, (presented, client), step.as_ref(), now)
    }

    /// `refresh` with its one-step rotation already worked out (`advance_for`,
    /// as the route does before it queues the job): the MAC and the client's
    /// fingerprint are computed once.
    pub fn refresh_with(
        &self,
        tx: &dyn SessionTx,
        (presented, client): (&RefreshSecret, &Client),
        step: Option<&Advance>,
        now: i64,
    ) -> Result<Grant, ApiError> {
        #[cfg(feature = "test-hooks")]
        self.test_hook(client);
        if let Some(step) = step {
            if let Some(grant) = self.advance(tx, step)? {
                return Ok(grant);
            }
        }
        let fingerprint =
            step.map_or_else(|| client.fingerprint(&self.client_key), |s| s.issued_to);
        // Inside the writer's transaction nothing can change between this
        // read and the writes below: two tabs refreshing at once are simply
        // one rotation followed by one replay within the grace.
        let record = self.find(tx, presented)?.ok_or(ApiError::RefreshNotFound)?;
        let session_id = &record.session.id;
        match self.decide(&record, now) {
            Step::Rotate => self
                .rotate(tx, &record, (fingerprint, None), now)?
                .ok_or_else(|| ApiError::internal("session moved inside its own transaction")),
            Step::Behind => self.replay_or_end(tx, record, presented, fingerprint, now),
            Step::Expired => {
                tx.delete_session(session_id)?;
                Err(ApiError::RefreshExpired)
            }
            Step::Ended(EndReason::ReuseDetected) => Err(ApiError::ReuseDetected),
            Step::Ended(_) => Err(ApiError::Revoked),
            Step::Disabled => Err(ApiError::UserDisabled),
        }
    }

    fn decide(&self, record: &RefreshRecord, now: i64) -> Step {
        let session = &record.session;
        if record.user.disabled {
            return Step::Disabled;
        }
        if let Some(reason) = session.ended {
            return Step::Ended(reason);
        }
        if session.is_expired(now) {
            return Step::Expired;
        }
        match session.generation == record.generation {
            true => Step::Rotate,
            false => Step::Behind,
        }
    }

    /// `None` when another request rotated first. `issued_to` is the rotating
    /// client's fingerprint; `factors` says, for a login, how it proved who
    /// it was (a refresh keeps the session's).
    fn rotate(
        &self,
        tx: &dyn SessionTx,
        record: &RefreshRecord,
        (issued_to, factors): (Fingerprint, Option<Factors>),
        now: i64,
    ) -> Result<Option<Grant>, ApiError> {
        let next = self.id_at(&record.session.id, record.generation + 1)?;
        let idle_expires_at = now
            .saturating_add(self.refresh_ttl)
            .min(record.session.absolute_expires_at);
        let rotation = Rotation {
            session_id: record.session.id.clone(),
            from_generation: record.generation,
            now,
            idle_expires_at,
            issued_to,
            factors,
            issue_times: record.session.issue_times.after(now),
        };
        if !tx.rotate(&rotation)? {
            return Ok(None);
        }
        Ok(Some(Grant {
            user: record.user.clone(),
            session_id: record.session.id.clone(),
            refresh: next,
            expires_at: idle_expires_at,
            replayed: false,
            factors: factors.unwrap_or(record.session.factors),
            signer_revoked: false,
        }))
    }
}

/// The user still exists, is enabled and has the credentials that were
/// checked. Read inside the transaction that starts the session, so a change
/// that ends the user's sessions either commits before (and is seen here) or
/// after (and ends the session this starts): a login in flight never
/// outlives it.
pub(crate) fn still_as_checked(tx: &dyn SessionTx, user: &User) -> Result<(), ApiError> {
    match tx.user_standing(user.id)? {
        Some(now) if !now.disabled && now.credentials_version == user.credentials_version => Ok(()),
        _ => Err(ApiError::InvalidCredentials),
    }
}
