//! An already-rotated id presented again: only the client that rotated it, within the grace, gets
//! the family's current id; logout with any other is reuse too. A session answers from its own row
//! (its last issue times and the rotating client); one whose live id is still a chained id from
//! before counted ids answers from that chain's rows.

use super::{Ended, Grant, SessionRules, Step, MAX_REPLAY_STEPS};
use crate::auth::client::{Client, Fingerprint};
use crate::domain::{ChainedId, RefreshSecret};
use crate::error::ApiError;
use crate::store::{EndReason, RefreshRecord, SessionTx};

impl SessionRules {
    /// Refresh with an id behind the live one: the current id for the client
    /// that rotated it within the grace, else the family ends as reuse.
    pub(super) fn replay_or_end(
        &self,
        tx: &dyn SessionTx,
        record: RefreshRecord,
        presented: &RefreshSecret,
        fingerprint: Fingerprint,
        now: i64,
    ) -> Result<Grant, ApiError> {
        let Some(current) = self.replay(tx, &record, presented, fingerprint, now)? else {
            let session_id = &record.session.id;
            tx.end_session(session_id, EndReason::ReuseDetected, now)?;
            tracing::warn!(session = %session_id, "refresh id replayed after the grace or by another client: session family revoked");
            return Err(ApiError::ReuseDetected);
        };
        Ok(Grant {
            factors: record.session.factors,
            expires_at: record.session.expires_at(),
            session_id: record.session.id,
            user: record.user,
            refresh: current,
            replayed: true,
            signer_revoked: false,
        })
    }

    /// Ends the family the presented id belongs to and says whose and why
    /// when it was live; unknown or dead ids are ignored. A rotated id that a
    /// refresh would not answer (past the grace, or from another client) is
    /// reuse here too.
    pub fn logout(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
        client: &Client,
        now: i64,
    ) -> Result<Option<Ended>, ApiError> {
        let Some(record) = self.find(tx, presented)? else {
            return Ok(None);
        };
        let fingerprint = client.fingerprint(&self.client_key);
        let reason = match self.decide(&record, now) {
            Step::Behind
                if self
                    .replay(tx, &record, presented, fingerprint, now)?
                    .is_none() =>
            {
                EndReason::ReuseDetected
            }
            _ => EndReason::Logout,
        };
        let ended = tx.end_session(&record.session.id, reason, now)?;
        Ok(ended.then_some(Ended {
            username: record.user.username,
            reason,
        }))
    }

    /// An already-rotated id: within the grace of its rotation (when its
    /// successor was issued), only a few generations behind, and from the
    /// client that rotated it, it gets the family's current id; otherwise it
    /// was stolen, or is being replayed.
    pub(super) fn replay(
        &self,
        tx: &dyn SessionTx,
        record: &RefreshRecord,
        presented: &RefreshSecret,
        fingerprint: Fingerprint,
        now: i64,
    ) -> Result<Option<RefreshSecret>, ApiError> {
        let session = &record.session;
        if !(1..=MAX_REPLAY_STEPS).contains(&(session.generation - record.generation)) {
            return Ok(None);
        }
        let rotated_by = match (&session.issued_to, presented) {
            (Some(rotated_by), _) => rotated_by,
            (None, RefreshSecret::Chained(id)) => {
                return self.replay_chain(tx, record, id, fingerprint, now)
            }
            // A counted id's session always knows who rotated it.
            (None, RefreshSecret::Counted(_)) => return Ok(None),
        };
        let rotated_at = session
            .issue_times
            .of(record.generation + 1, session.generation);
        if !(self.in_grace(rotated_at, now) && rotated_by[..] == fingerprint[..]) {
            return Ok(None);
        }
        self.id_at(&session.id, session.generation).map(Some)
    }

    /// Strictly less: a grace of 0 s is none, even within the same
    /// millisecond; an unknown time (an id from before times were kept) has none.
    fn in_grace(&self, rotated_at: Option<i64>, now: i64) -> bool {
        rotated_at.is_some_and(|at| now.saturating_sub(at) < self.grace)
    }

    /// A session whose live id is still chained: the presented id's successor
    /// row says when and to whom it was issued, and the chain rebuilt from the
    /// presented id up to the live generation is the current id.
    fn replay_chain(
        &self,
        tx: &dyn SessionTx,
        record: &RefreshRecord,
        presented: &ChainedId,
        fingerprint: Fingerprint,
        now: i64,
    ) -> Result<Option<RefreshSecret>, ApiError> {
        let session = &record.session;
        let issued_at = |generation| session.issue_times.of(generation, session.generation);
        let next = presented.successor(&self.chain_key, issued_at(record.generation + 1));
        let Some(rotation) = tx.find_refresh(&next.hash())? else {
            return Ok(None);
        };
        // Rows from before fingerprints were kept have none: no grace for them.
        let same_client = rotation.issued_to.as_deref() == Some(&fingerprint[..]);
        if !(self.in_grace(rotation.issued_at, now) && same_client) {
            return Ok(None);
        }
        let mut current = next;
        for generation in record.generation + 2..=session.generation {
            current = current.successor(&self.chain_key, issued_at(generation));
        }
        Ok(Some(RefreshSecret::Chained(current)))
    }
}
