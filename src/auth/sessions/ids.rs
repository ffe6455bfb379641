//! Refresh ids and the sessions they name: a presented id is found by its session when counted
//! (after its MAC checks out, so a forged one costs no read) or by its hash when chained; a session's
//! id at any generation is recomputed, never stored.

use super::SessionRules;
use crate::domain::{CountedId, RefreshSecret, SessionId};
use crate::error::ApiError;
use crate::store::{RefreshRecord, SessionKind, SessionTx};

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
