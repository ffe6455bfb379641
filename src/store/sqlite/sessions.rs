//! SQL for `sessions` and `refresh_ids`. A rotation is one transaction that only succeeds from the generation it read.

use std::sync::OnceLock;

use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use super::users;
use crate::store::{
    EndReason, EndSessions, NewSession, RefreshHash, RefreshRecord, Rotation, Session, SessionTx,
    StoreResult, Swept, User,
};

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.generation, s.created_at, s.last_used_at, \
     s.idle_expires_at, s.absolute_expires_at, s.end_reason, s.user_agent, s.ip, s.mfa";
const SESSION_COLUMN_COUNT: usize = 11;

fn from_row(row: &Row) -> rusqlite::Result<Session> {
    let end_reason: Option<String> = row.get(7)?;
    Ok(Session {
        id: row.get(0)?,
        user_id: row.get(1)?,
        generation: row.get(2)?,
        created_at: row.get(3)?,
        last_used_at: row.get(4)?,
        idle_expires_at: row.get(5)?,
        absolute_expires_at: row.get(6)?,
        ended: end_reason.as_deref().map(EndReason::parse),
        user_agent: row.get(8)?,
        ip: row.get(9)?,
        mfa: row.get(10)?,
    })
}

/// The refresh rules' reads and writes on the writer's connection, inside
/// its batch transaction.
pub(super) struct InTransaction<'a>(pub(super) &'a Connection);

impl SessionTx for InTransaction<'_> {
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
}

fn create(conn: &Connection, new: &NewSession) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at,
                               absolute_expires_at, user_agent, ip, mfa)
         VALUES (?1, ?2, 0, ?3, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        new.id.as_str(),
        new.user_id,
        new.now,
        new.idle_expires_at,
        new.absolute_expires_at,
        new.user_agent,
        new.ip,
        new.mfa
    ])?;
    conn.prepare_cached(
        "INSERT INTO refresh_ids (hash, session_id, generation, issued_at, issued_to)
         VALUES (?1, ?2, 0, ?3, ?4)",
    )?
    .execute(params![
        &new.refresh_hash.0[..],
        new.id.as_str(),
        new.now,
        &new.issued_to[..]
    ])?;
    Ok(())
}

fn find_refresh(conn: &Connection, hash: &RefreshHash) -> StoreResult<Option<RefreshRecord>> {
    // Built once: every refresh looks its statement up by this text.
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {}, r.generation, r.issued_at, r.issued_to
             FROM refresh_ids r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id
             WHERE r.hash = ?1",
            users::USER_COLUMNS
        )
    });
    let record = conn
        .prepare_cached(sql)?
        .query_row([&hash.0[..]], |row| {
            let after_user = SESSION_COLUMN_COUNT + users::USER_COLUMN_COUNT;
            Ok(RefreshRecord {
                session: from_row(row)?,
                user: users::from_row(row, SESSION_COLUMN_COUNT)?,
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
                                 mfa = COALESCE(?6, mfa)
             WHERE id = ?1 AND generation = ?2 AND end_reason IS NULL",
        )?
        .execute(params![
            rotation.session_id,
            rotation.from_generation,
            rotation.from_generation + 1,
            rotation.now,
            rotation.idle_expires_at,
            rotation.mfa
        ])?;
    if moved == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO refresh_ids (hash, session_id, generation, issued_at, issued_to)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        &rotation.new_hash.0[..],
        rotation.session_id,
        rotation.from_generation + 1,
        rotation.now,
        &rotation.issued_to[..]
    ])?;
    Ok(true)
}

fn end_one(conn: &Connection, session_id: &str, reason: EndReason, now: i64) -> StoreResult<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET ended_at = ?3, end_reason = ?2 WHERE id = ?1 AND end_reason IS NULL",
        params![session_id, reason.as_str(), now],
    )?;
    Ok(ended == 1)
}

/// Ends a live session only if it belongs to `user_id`, so one user cannot
/// even learn whether another user's session id exists.
pub(super) fn end_own(
    conn: &Connection,
    user_id: i64,
    session_id: &str,
    reason: EndReason,
    now: i64,
) -> StoreResult<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET ended_at = ?4, end_reason = ?3
         WHERE id = ?1 AND user_id = ?2 AND end_reason IS NULL",
        params![session_id, user_id, reason.as_str(), now],
    )?;
    Ok(ended == 1)
}

pub(super) fn end_for_user(
    conn: &Connection,
    user_id: i64,
    end: EndSessions,
    now: i64,
) -> StoreResult<usize> {
    let (keep, reason) = match end {
        EndSessions::None => return Ok(0),
        EndSessions::All(reason) => (None, reason),
        EndSessions::AllBut(keep, reason) => (Some(keep), reason),
    };
    Ok(conn.execute(
        "UPDATE sessions SET ended_at = ?3, end_reason = ?2
         WHERE user_id = ?1 AND end_reason IS NULL AND id IS NOT ?4",
        params![user_id, reason.as_str(), now, keep],
    )?)
}

fn delete(conn: &Connection, session_id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [session_id])?;
    Ok(())
}

pub(super) fn with_user(
    conn: &Connection,
    session_id: &str,
) -> StoreResult<Option<(Session, User)>> {
    // Built once: every Bearer request looks its statement up by this text.
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {SESSION_COLUMNS}, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
            users::USER_COLUMNS
        )
    });
    Ok(conn
        .prepare_cached(sql)?
        .query_row([session_id], |row| {
            Ok((from_row(row)?, users::from_row(row, SESSION_COLUMN_COUNT)?))
        })
        .optional()?)
}

pub(super) fn live_for_user(
    conn: &Connection,
    user_id: i64,
    now: i64,
) -> StoreResult<Vec<Session>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions s
         WHERE s.user_id = ?1 AND s.end_reason IS NULL
           AND s.idle_expires_at > ?2 AND s.absolute_expires_at > ?2
         ORDER BY s.last_used_at DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let sessions = stmt.query_map(params![user_id, now], from_row)?;
    Ok(sessions.collect::<Result<_, _>>()?)
}

/// Deletes up to `batch` dead sessions, then up to `batch` refresh ids whose
/// session is gone. Candidates are found with plain reads (no write lock), so the
/// write lock is held only to delete a small batch by primary key.
pub(super) fn sweep(conn: &Connection, now: i64, batch: usize) -> StoreResult<Swept> {
    let dead: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM sessions
             WHERE end_reason IS NOT NULL OR idle_expires_at <= ?1 OR absolute_expires_at <= ?1
             LIMIT ?2",
        )?
        .query_map(params![now, batch as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let sessions = delete_each(
        conn,
        "DELETE FROM sessions WHERE id = ?1
           AND (end_reason IS NOT NULL OR idle_expires_at <= ?2 OR absolute_expires_at <= ?2)",
        dead.iter()
            .map(|id| vec![id as &dyn ToSql, &now as &dyn ToSql]),
    )?;
    let orphans: Vec<Vec<u8>> = conn
        .prepare_cached(
            "SELECT r.hash FROM refresh_ids r
             WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = r.session_id) LIMIT ?1",
        )?
        .query_map([batch as i64], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let refresh_ids = delete_each(
        conn,
        "DELETE FROM refresh_ids WHERE hash = ?1",
        orphans.iter().map(|hash| vec![hash as &dyn ToSql]),
    )?;
    Ok(Swept {
        sessions,
        refresh_ids,
    })
}

/// Runs one DELETE per parameter set, all in one short transaction.
fn delete_each<'a>(
    conn: &Connection,
    sql: &str,
    each: impl Iterator<Item = Vec<&'a dyn ToSql>>,
) -> StoreResult<usize> {
    let mut delete = conn.prepare_cached(sql)?;
    let tx = conn.unchecked_transaction()?;
    let mut deleted = 0;
    for params in each {
        deleted += delete.execute(params.as_slice())?;
    }
    tx.commit()?;
    Ok(deleted)
}
