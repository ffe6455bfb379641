//! The session rules: login starts (or continues) a family, refresh rotates it, an old id replayed within the grace gets the current one, after the grace it ends the family.

use std::time::Duration;

use crate::clock;
use crate::domain::{RefreshSecret, SessionId};
use crate::error::ApiError;
use crate::store::{EndReason, NewSession, RefreshRecord, Rotation, SessionTx, User};

/// How far behind the live id a replay within the grace may be. Two tabs
/// racing put an id one generation behind; more than a few is not a race.
const MAX_REPLAY_STEPS: i64 = 4;

pub struct SessionRules {
    chain_key: [u8; 32],
    refresh_ttl: i64,
    max_age: i64,
    grace: i64,
}

/// A session handed to a client: who, which family, its live refresh id.
pub struct Grant {
    pub user: User,
    pub session_id: String,
    pub refresh: RefreshSecret,
    pub expires_at: i64,
    /// An old id replayed within the grace, answered with the current one.
    pub replayed: bool,
}

/// What is recorded about the client that logged in.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

enum Step {
    Rotate,
    Behind { steps: i64 },
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
        SessionRules {
            chain_key,
            refresh_ttl: clock::ms(refresh_ttl),
            max_age: clock::ms(max_age),
            grace: clock::ms(grace),
        }
    }

    /// After a successful password check: continue the caller's own live
    /// session if its cookie came along, else start a new one.
    pub fn start(
        &self,
        tx: &dyn SessionTx,
        user: User,
        presented: Option<&RefreshSecret>,
        client: Client,
        now: i64,
    ) -> Result<Grant, ApiError> {
        if let Some(presented) = presented {
            if let Some(record) = tx.find_refresh(&presented.hash())? {
                let own_live_id =
                    record.user.id == user.id && matches!(self.decide(&record, now), Step::Rotate);
                if own_live_id {
                    if let Some(grant) = self.rotate(tx, &record, presented, now)? {
                        return Ok(grant);
                    }
                } else if record.session.is_expired(now) {
                    tx.delete_session(&record.session.id)?;
                }
            }
        }
        let refresh = RefreshSecret::generate();
        let session = NewSession {
            id: SessionId::generate(),
            user_id: user.id,
            refresh_hash: refresh.hash(),
            now,
            idle_expires_at: now.saturating_add(self.refresh_ttl.min(self.max_age)),
            absolute_expires_at: now.saturating_add(self.max_age),
            user_agent: client.user_agent,
            ip: client.ip,
        };
        tx.create_session(&session)?;
        Ok(Grant {
            user,
            session_id: session.id.as_str().to_string(),
            refresh,
            expires_at: session.idle_expires_at,
            replayed: false,
        })
    }

    pub fn refresh(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
        now: i64,
    ) -> Result<Grant, ApiError> {
        // Inside the writer's transaction nothing can change between this
        // read and the writes below: two tabs refreshing at once are simply
        // one rotation followed by one replay within the grace.
        let record = tx
            .find_refresh(&presented.hash())?
            .ok_or(ApiError::RefreshNotFound)?;
        let session_id = &record.session.id;
        match self.decide(&record, now) {
            Step::Rotate => self
                .rotate(tx, &record, presented, now)?
                .ok_or_else(|| ApiError::internal("session moved inside its own transaction")),
            Step::Behind { steps } => match self.replay(tx, presented, steps, now)? {
                Some(current) => Ok(Grant {
                    expires_at: record.session.expires_at(),
                    session_id: record.session.id,
                    user: record.user,
                    refresh: current,
                    replayed: true,
                }),
                None => {
                    tx.end_session(session_id, EndReason::ReuseDetected, now)?;
                    tracing::warn!(session = %session_id, "refresh id replayed after the grace: session family revoked");
                    Err(ApiError::ReuseDetected)
                }
            },
            Step::Expired => {
                tx.delete_session(session_id)?;
                Err(ApiError::RefreshExpired)
            }
            Step::Ended(EndReason::ReuseDetected) => Err(ApiError::ReuseDetected),
            Step::Ended(_) => Err(ApiError::Revoked),
            Step::Disabled => Err(ApiError::UserDisabled),
        }
    }

    /// Ends the family the presented id belongs to and names its user when it
    /// was live; unknown or dead ids are ignored.
    pub fn logout(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
        now: i64,
    ) -> Result<Option<String>, ApiError> {
        let Some(record) = tx.find_refresh(&presented.hash())? else {
            return Ok(None);
        };
        let ended = tx.end_session(&record.session.id, EndReason::Logout, now)?;
        Ok(ended.then_some(record.user.username))
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
        match session.generation - record.generation {
            0 => Step::Rotate,
            behind => Step::Behind { steps: behind },
        }
    }

    /// An already-rotated id: within the grace of its rotation (when its
    /// successor was issued) and only a few generations behind, it gets the
    /// family's current id; otherwise it was stolen, or is being replayed.
    fn replay(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
        steps: i64,
        now: i64,
    ) -> Result<Option<RefreshSecret>, ApiError> {
        if !(1..=MAX_REPLAY_STEPS).contains(&steps) {
            return Ok(None);
        }
        let next = presented.successor(&self.chain_key);
        let rotated_at = tx.find_refresh(&next.hash())?.and_then(|r| r.issued_at);
        if rotated_at.is_none_or(|at| now.saturating_sub(at) > self.grace) {
            return Ok(None);
        }
        let mut current = next;
        for _ in 1..steps {
            current = current.successor(&self.chain_key);
        }
        Ok(Some(current))
    }

    /// `None` when another request rotated first.
    fn rotate(
        &self,
        tx: &dyn SessionTx,
        record: &RefreshRecord,
        presented: &RefreshSecret,
        now: i64,
    ) -> Result<Option<Grant>, ApiError> {
        let next = presented.successor(&self.chain_key);
        let idle_expires_at = now
            .saturating_add(self.refresh_ttl)
            .min(record.session.absolute_expires_at);
        let rotation = Rotation {
            session_id: record.session.id.clone(),
            from_generation: record.generation,
            new_hash: next.hash(),
            now,
            idle_expires_at,
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
        }))
    }
}
