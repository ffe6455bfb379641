//! Refresh ids and the sessions they name: a presented id is found by its session when counted
//! (after its MAC checks out, so a forged one costs no read) or by its hash when chained; a session's
//! id at any generation is recomputed, never stored.

use super::{Client, Grant, SessionRules};
use crate::domain::{CountedId, RefreshSecret, SessionId};
use crate::error::ApiError;
use crate::store::{Advance, RefreshRecord, SessionKind, SessionTx};

impl SessionRules {
    /// What a presented id leads to, if the server made it: a counted id by
    /// its session (a forged MAC finds nothing), a chained one by its hash.
    pub fn find(
        &self,
        tx: &dyn SessionTx,
        presented: &RefreshSecret,
    ) -> Result<Option<RefreshRecord>, ApiError> {
        let id = match presented {
            RefreshSecret::Chained(id) => return Ok(tx.find_refresh(&id.hash())?),
            RefreshSecret::Counted(id) if id.is_authentic(&self.id_key) => id,
            RefreshSecret::Counted(_) => return Ok(None),
        };
        let found = tx.find_session(id.session_id().as_str())?;
        // A portal session hands out no refresh id: one naming it is no id of ours.
        let found = found.filter(|(session, _)| session.kind == SessionKind::App);
        Ok(found.map(|(session, user)| RefreshRecord {
            session,
            user,
            generation: id.generation(),
            issued_at: None,
            issued_to: None,
        }))
    }

    /// The store's one-step rotation for a refresh of `presented` by
    /// `client` at `now`: for a counted id whose MAC checks out, else `None`
    /// (a chained id, or a forgery, which `find` turns away).
    pub fn advance_for(
        &self,
        presented: &RefreshSecret,
        client: &Client,
        now: i64,
    ) -> Option<Advance> {
        let id = match presented {
            RefreshSecret::Counted(id) if id.is_authentic(&self.id_key) => id,
            _ => return None,
        };
        Some(Advance {
            session_id: id.session_id().as_str().to_string(),
            from_generation: id.generation(),
            now,
            idle_until: now.saturating_add(self.refresh_ttl),
            issued_to: client.fingerprint(&self.client_key),
        })
    }

    /// The grant `find` then `rotate` would make, in the store's one step;
    /// `None` (nothing written) when the session is not one to rotate, and
    /// `refresh` then reads it and decides in full.
    pub(super) fn advance(
        &self,
        tx: &dyn SessionTx,
        step: &Advance,
    ) -> Result<Option<Grant>, ApiError> {
        let Some((session, user)) = tx.advance(step)? else {
            return Ok(None);
        };
        Ok(Some(Grant {
            refresh: self.id_at(&session.id, session.generation)?,
            user,
            expires_at: session.idle_expires_at,
            factors: session.factors,
            session_id: session.id,
            replayed: false,
            signer_revoked: false,
        }))
    }

    /// The id of `session` at `generation`.
    pub(super) fn id_of(&self, session: &SessionId, generation: i64) -> RefreshSecret {
        RefreshSecret::Counted(CountedId::mint(
            &self.id_key,
            &session.to_bytes(),
            generation,
        ))
    }

    /// The id of a stored session at `generation`.
    pub(super) fn id_at(
        &self,
        session_id: &str,
        generation: i64,
    ) -> Result<RefreshSecret, ApiError> {
        let id = SessionId::parse(session_id)
            .ok_or_else(|| ApiError::internal("a stored session id is not 32 hex digits"))?;
        Ok(self.id_of(&id, generation))
    }
}
