//! SQL of the refresh rules (`SessionTx`), run on the writer's connection inside its batch
//! transaction. A rotation only succeeds from the generation it read, and updates the session's
//! row alone; `refresh_ids` is only read, for chained ids from before counted ids.

use std::sync::OnceLock;

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, SESSION_COLUMNS, SESSION_COLUMN_COUNT};
use crate::domain::RefreshHash;
use crate::store::signing_keys::key_live;
use crate::store::{
    EndReason, Factors, NewSession, RefreshRecord, Rotation, Session, SessionTx, Standing,
    StoreResult, User,
};

/// The refresh rules' reads and writes on the writer's connection, inside
/// its batch transaction.
pub(super) struct InTransaction<'a>(pub(super) &'a Connection);

impl SessionTx for InTransaction<'_> {
    fn user_standing(&self, user_id: i64) -> StoreResult<Option<Standing>> {
        let standing = self
            .0
            .prepare_cached("SELECT disabled, credentials_version FROM users WHERE id = ?1")?
            .query_row([user_id], |row| {
                Ok(Standing {
                    disabled: row.get(0)?,
                    credentials_version: row.get(1)?,
                })
            })
            .optional()?;
        Ok(standing)
    }

    fn find_session(&self, session_id: &str) -> StoreResult<Option<(Session, User)>> {
        find_session(self.0, session_id)
    }

    fn find_refresh(&self, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>> {
        find_refresh(self.0, hash)
    }

    fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        create(self.0, session)
    }

    fn rotate(&self, rotation: &Rotation) -> StoreResult<bool> {
        rotate(self.0, rotation)
    }

    fn end_session(&self, session_id: &str, reason: EndReason, now: i64) -> StoreResult<bool> {
        end_one(self.0, session_id, reason, now)
    }

    fn delete_session(&self, session_id: &str) -> StoreResult<()> {
        delete(self.0, session_id)
    }

    fn signing_key_revoked(&self, kid: &str) -> StoreResult<bool> {
        const SQL: &str = concat!("SELECT ", key_live!("?1"));
        let live: bool = self
            .0
            .prepare_cached(SQL)?
            .query_row([kid], |row| row.get(0))?;
        Ok(!live)
    }
}

fn create(conn: &Connection, new: &NewSession) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at,
                               absolute_expires_at, user_agent, ip, mfa, issue_times, issued_to,
                               kind, portal_hash)
         VALUES (?1, ?2, 0, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        new.id.as_str(),
        new.user_id,
        new.now,
        new.idle_expires_at,
        new.absolute_expires_at,
        new.user_agent,
        new.ip,
        new.factors.code(),
        new.issue_times.to_bytes(),
        &new.issued_to[..],
        new.kind().as_str(),
        new.portal_hash.as_ref().map(|hash| &hash[..]),
    ])?;
    Ok(())
}

fn find_session(conn: &Connection, session_id: &str) -> StoreResult<Option<(Session, User)>> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = ?1",
            rows::USER_COLUMNS
        )
    });
    let found = conn
        .prepare_cached(sql)?
        .query_row([session_id], |row| {
            Ok((rows::session(row)?, rows::user(row, SESSION_COLUMN_COUNT)?))
        })
        .optional()?;
    Ok(found)
}

fn find_refresh(conn: &Connection, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>> {
    // Built once: every refresh looks its statement up by this text.
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {}, r.generation, r.issued_at, r.issued_to
             FROM refresh_ids r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
             WHERE r.hash = ?1",
            rows::USER_COLUMNS
        )
    });
    let record = conn
        .prepare_cached(sql)?
        .query_row([hash.key()], |row| {
            let after_user = SESSION_COLUMN_COUNT + rows::USER_COLUMN_COUNT;
            Ok(RefreshRecord {
                session: rows::session(row)?,
                user: rows::user(row, SESSION_COLUMN_COUNT)?,
                generation: row.get(after_user)?,
                issued_at: row.get(after_user + 1)?,
                issued_to: row.get(after_user + 2)?,
            })
        })
        .optional()?;
    Ok(record)
}

/// Moves the session on only from the generation that was read.
fn rotate(conn: &Connection, rotation: &Rotation) -> StoreResult<bool> {
    let moved = conn
        .prepare_cached(
            "UPDATE sessions SET generation = ?3, last_used_at = ?4, idle_expires_at = ?5,
                                 mfa = COALESCE(?6, mfa), issue_times = ?7, issued_to = ?8
             WHERE id = ?1 AND generation = ?2 AND end_reason IS NULL",
        )?
        .execute(params![
            rotation.session_id,
            rotation.from_generation,
            rotation.from_generation + 1,
            rotation.now,
            rotation.idle_expires_at,
            rotation.factors.map(Factors::code),
            rotation.issue_times.to_bytes(),
            &rotation.issued_to[..]
        ])?;
    Ok(moved == 1)
}

fn end_one(conn: &Connection, session_id: &str, reason: EndReason, now: i64) -> StoreResult<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET ended_at = ?3, end_reason = ?2 WHERE id = ?1 AND end_reason IS NULL",
        params![session_id, reason.as_str(), now],
    )?;
    Ok(ended == 1)
}

fn delete(conn: &Connection, session_id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [session_id])?;
    Ok(())
}
