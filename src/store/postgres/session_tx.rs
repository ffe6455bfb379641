//! SQL of the refresh rules (`SessionTx`) on PostgreSQL, inside one transaction per job. Reading a
//! refresh id locks its session row (`FOR UPDATE`), so of two instances refreshing the same id at
//! once one rotates and the other, once the first has committed, reads the moved session and
//! answers as a replay: never two live branches. A rotation updates that row alone.

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use super::advance;
use super::rows::{
    self, column, SESSION_COLUMNS, SESSION_COLUMN_COUNT, USER_COLUMNS, USER_COLUMN_COUNT,
};
use super::Connection;
use crate::domain::RefreshHash;
use crate::store::signing_keys::key_live;
use crate::store::{
    Advance, EndReason, Factors, NewSession, RefreshRecord, Rotation, Session, SessionTx, Standing,
    StoreResult, User,
};

/// The refresh rules' reads and writes on a connection inside a transaction.
/// A failed statement aborts a PostgreSQL transaction, and COMMIT then only
/// rolls back: `failed` remembers it, so the job's caller is told.
pub(super) struct InTransaction<'a> {
    conn: RefCell<&'a mut Connection>,
    failed: Cell<bool>,
    /// The job's one-step rotation, already run with its batch's (see `batch`).
    advanced: RefCell<Option<Advanced>>,
}

/// A job's `SessionJob::advance`, run for it before it ran: what it asked and the row it moved.
pub(super) struct Advanced {
    pub(super) asked: Advance,
    pub(super) row: Option<(Session, User)>,
}

impl<'a> InTransaction<'a> {
    pub(super) fn new(conn: &'a mut Connection) -> InTransaction<'a> {
        InTransaction {
            conn: RefCell::new(conn),
            failed: Cell::new(false),
            advanced: RefCell::new(None),
        }
    }

    /// A transaction in which the job's own `advance` was already run, with this outcome.
    pub(super) fn with_advanced(conn: &'a mut Connection, advanced: Option<Advanced>) -> Self {
        let tx = InTransaction::new(conn);
        tx.advanced.replace(advanced);
        tx
    }

    /// Whether the job asked for the step run for it, if any. A session moved on for a job that
    /// then did not claim it would be a rotation nobody was answered: its batch must not commit.
    pub(super) fn claimed(&self) -> bool {
        !matches!(
            &*self.advanced.borrow(),
            Some(Advanced { row: Some(_), .. })
        )
    }

    pub(super) fn failed(&self) -> bool {
        self.failed.get()
    }

    fn noted<T>(&self, outcome: StoreResult<T>) -> StoreResult<T> {
        if outcome.is_err() {
            self.failed.set(true);
        }
        outcome
    }
}

const CREATE: &str = "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at,
                                       idle_expires_at, absolute_expires_at, user_agent, ip, mfa,
                                       issue_times, issued_to, kind, portal_hash)
     VALUES ($1, $2, 0, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/// Moves the session on from the generation that was read: no row updated
/// means the session had moved.
const ROTATE: &str = "UPDATE sessions SET generation = $3, last_used_at = $4, idle_expires_at = $5,
                             mfa = COALESCE($6, mfa), issue_times = $7, issued_to = $8
     WHERE id = $1 AND generation = $2 AND end_reason IS NULL";

/// `FOR SHARE`: a change to the user (which updates its row first, see
/// `sessions::end_for_user`) waits for this batch to commit, or this read
/// waits for the change and sees its new version.
const STANDING: &str = "SELECT disabled, credentials_version FROM users WHERE id = $1 FOR SHARE";

impl SessionTx for InTransaction<'_> {
    fn user_standing(&self, user_id: i64) -> StoreResult<Option<Standing>> {
        let read = || -> StoreResult<Option<Standing>> {
            let mut conn = self.conn.borrow_mut();
            let statement = conn.prepared(STANDING)?;
            let row = conn.client.query_opt(&statement, &[&user_id])?;
            let standing = |row: &postgres::Row| -> StoreResult<Standing> {
                Ok(Standing {
                    disabled: column(row, 0)?,
                    credentials_version: column(row, 1)?,
                })
            };
            row.as_ref().map(standing).transpose()
        };
        self.noted(read())
    }

    fn find_session(&self, session_id: &str) -> StoreResult<Option<(Session, User)>> {
        self.noted(find_session(&mut self.conn.borrow_mut(), session_id))
    }

    fn find_refresh(&self, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>> {
        self.noted(find_refresh(&mut self.conn.borrow_mut(), hash))
    }

    fn create_session(&self, new: &NewSession) -> StoreResult<()> {
        self.noted(create(&mut self.conn.borrow_mut(), new))
    }

    fn rotate(&self, rotation: &Rotation) -> StoreResult<bool> {
        self.noted(rotate(&mut self.conn.borrow_mut(), rotation))
    }

    fn advance(&self, advance: &Advance) -> StoreResult<Option<(Session, User)>> {
        if let Some(done) = self.advanced.take() {
            if done.asked == *advance {
                return Ok(done.row);
            }
            // Not what the job said it would ask: the batch's step stays unclaimed (see `claimed`).
            self.advanced.replace(Some(done));
        }
        let one = advance::run(&mut self.conn.borrow_mut(), &[advance]);
        self.noted(one.map(|mut rows| rows.pop().map(|(_, row)| row)))
    }

    fn end_session(&self, session_id: &str, reason: EndReason, now: i64) -> StoreResult<bool> {
        let ended = self.conn.borrow_mut().client.execute(
            "UPDATE sessions SET ended_at = $3, end_reason = $2 WHERE id = $1 AND end_reason IS NULL",
            &[&session_id, &reason.as_str(), &now],
        );
        self.noted(ended.map(|n| n == 1).map_err(Into::into))
    }

    fn delete_session(&self, session_id: &str) -> StoreResult<()> {
        let deleted = self
            .conn
            .borrow_mut()
            .client
            .execute("DELETE FROM sessions WHERE id = $1", &[&session_id]);
        self.noted(deleted.map(drop).map_err(Into::into))
    }

    fn signing_key_revoked(&self, kid: &str) -> StoreResult<bool> {
        let read = || -> StoreResult<bool> {
            let mut conn = self.conn.borrow_mut();
            let statement = conn.prepared(KEY_LIVE)?;
            let live: bool = column(&conn.client.query_one(&statement, &[&kid])?, 0)?;
            Ok(!live)
        };
        self.noted(read())
    }
}

const KEY_LIVE: &str = concat!("SELECT ", key_live!("$1"));

fn find_session(conn: &mut Connection, session_id: &str) -> StoreResult<Option<(Session, User)>> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = $1 FOR UPDATE OF s"
        )
    });
    let statement = conn.prepared(sql)?;
    let row = conn.client.query_opt(&statement, &[&session_id])?;
    row.map(|row| {
        Ok((
            rows::session(&row)?,
            rows::user(&row, SESSION_COLUMN_COUNT)?,
        ))
    })
    .transpose()
}

fn find_refresh(conn: &mut Connection, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}, r.generation, r.issued_at, r.issued_to
                 FROM refresh_ids r JOIN sessions s ON s.id = r.session_id
                 JOIN users u ON u.id = s.user_id
                 WHERE r.hash = $1 FOR UPDATE OF s"
        )
    });
    let statement = conn.prepared(sql)?;
    let row = conn.client.query_opt(&statement, &[&hash.key()])?;
    let Some(row) = row else {
        return Ok(None);
    };
    let after_user = SESSION_COLUMN_COUNT + USER_COLUMN_COUNT;
    Ok(Some(RefreshRecord {
        session: rows::session(&row)?,
        user: rows::user(&row, SESSION_COLUMN_COUNT)?,
        generation: column(&row, after_user)?,
        issued_at: column(&row, after_user + 1)?,
        issued_to: column(&row, after_user + 2)?,
    }))
}

fn create(conn: &mut Connection, new: &NewSession) -> StoreResult<()> {
    let create = conn.prepared(CREATE)?;
    conn.client.execute(
        &create,
        &[
            &new.id.as_str(),
            &new.user_id,
            &new.now,
            &new.idle_expires_at,
            &new.absolute_expires_at,
            &new.user_agent,
            &new.ip,
            &new.factors.code(),
            &new.issue_times.to_bytes(),
            &&new.issued_to[..],
            &new.kind().as_str(),
            &new.portal_hash.as_ref().map(|hash| &hash[..]),
        ],
    )?;
    Ok(())
}

fn rotate(conn: &mut Connection, rotation: &Rotation) -> StoreResult<bool> {
    let rotate = conn.prepared(ROTATE)?;
    let moved = conn.client.execute(
        &rotate,
        &[
            &rotation.session_id,
            &rotation.from_generation,
            &(rotation.from_generation + 1),
            &rotation.now,
            &rotation.idle_expires_at,
            &rotation.factors.map(Factors::code),
            &rotation.issue_times.to_bytes(),
            &&rotation.issued_to[..],
        ],
    )?;
    Ok(moved == 1)
}
