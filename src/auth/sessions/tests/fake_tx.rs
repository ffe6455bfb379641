//! An in-memory `SessionTx`: one user's sessions and chained ids as the tables hold them, so the
//! rules' decisions are tested without SQLite (the API tests run the same rules on both stores).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::store::{
    EndReason, NewSession, RefreshRecord, Rotation, Session, SessionTx, StoreResult, User,
};

/// A `refresh_ids` row (chained ids from before counted ones): session id,
/// generation, issued_at, issued_to.
pub(super) type IdRow = (String, i64, i64, Vec<u8>);

/// One user's sessions and ids, as the tables hold them.
#[derive(Default)]
pub(super) struct FakeTx {
    pub(super) user: RefCell<Option<User>>,
    pub(super) sessions: RefCell<HashMap<String, Session>>,
    pub(super) ids: RefCell<HashMap<Vec<u8>, IdRow>>,
}

impl SessionTx for FakeTx {
    fn signing_key_revoked(&self, _kid: &str) -> StoreResult<bool> {
        Ok(false)
    }

    fn user_standing(&self, _user_id: i64) -> StoreResult<Option<crate::store::Standing>> {
        Ok(self
            .user
            .borrow()
            .as_ref()
            .map(|user| crate::store::Standing {
                disabled: user.disabled,
                credentials_version: user.credentials_version,
            }))
    }

    fn find_session(&self, session_id: &str) -> StoreResult<Option<(Session, User)>> {
        let session = self.sessions.borrow().get(session_id).cloned();
        let user = self.user.borrow().clone().expect("a user");
        Ok(session.map(|session| (session, user)))
    }

    fn find_refresh(
        &self,
        hash: &crate::domain::RefreshHash,
    ) -> StoreResult<Option<RefreshRecord>> {
        let ids = self.ids.borrow();
        let Some((session_id, generation, issued_at, issued_to)) = ids.get(&hash.key()) else {
            return Ok(None);
        };
        let session = self.sessions.borrow().get(session_id).cloned();
        Ok(session.map(|session| RefreshRecord {
            session,
            user: self.user.borrow().clone().expect("a user"),
            generation: *generation,
            issued_at: Some(*issued_at),
            issued_to: Some(issued_to.clone()),
        }))
    }

    fn create_session(&self, new: &NewSession) -> StoreResult<()> {
        let session = Session {
            id: new.id.as_str().to_string(),
            user_id: new.user_id,
            generation: 0,
            created_at: new.now,
            last_used_at: new.now,
            idle_expires_at: new.idle_expires_at,
            absolute_expires_at: new.absolute_expires_at,
            ended: None,
            user_agent: new.user_agent.clone(),
            ip: new.ip.clone(),
            factors: new.factors,
            issue_times: new.issue_times.clone(),
            issued_to: Some(new.issued_to.to_vec()),
            kind: new.kind(),
        };
        self.sessions
            .borrow_mut()
            .insert(session.id.clone(), session);
        Ok(())
    }

    fn rotate(&self, rotation: &Rotation) -> StoreResult<bool> {
        let mut sessions = self.sessions.borrow_mut();
        let Some(session) = sessions.get_mut(&rotation.session_id) else {
            return Ok(false);
        };
        if session.generation != rotation.from_generation || session.ended.is_some() {
            return Ok(false);
        }
        session.generation += 1;
        session.last_used_at = rotation.now;
        session.idle_expires_at = rotation.idle_expires_at;
        session.issue_times = rotation.issue_times.clone();
        session.issued_to = Some(rotation.issued_to.to_vec());
        Ok(true)
    }

    fn end_session(&self, session_id: &str, reason: EndReason, _now: i64) -> StoreResult<bool> {
        let mut sessions = self.sessions.borrow_mut();
        let live = sessions.get_mut(session_id).filter(|s| s.ended.is_none());
        Ok(live.map(|s| s.ended = Some(reason)).is_some())
    }

    fn delete_session(&self, session_id: &str) -> StoreResult<()> {
        self.sessions.borrow_mut().remove(session_id);
        Ok(())
    }
}
