//! `SessionTx::advance` on PostgreSQL, for one job or a whole batch in one statement: each step
//! moves its session on only where the rules would rotate it, and the rows it moved come back
//! tagged with the step's place in the list. Its row locks are the ones `FOR UPDATE` takes, so a
//! job that finds nothing here and reads its session in full waits for the same writers.

use std::sync::OnceLock;

use super::rows::{self, column, SESSION_COLUMNS, SESSION_COLUMN_COUNT, USER_COLUMNS};
use super::Connection;
use crate::store::{Advance, IssueTimes, Session, SessionKind, StoreResult, User};

/// Runs `steps` and returns, for each session it moved, the step's index and the session as
/// moved, with its user. Two steps on one session (two tabs) move it once: only one of them
/// comes back, and the other's job reads the session in full and answers as a replay.
pub(super) fn run(
    conn: &mut Connection,
    steps: &[&Advance],
) -> StoreResult<Vec<(usize, (Session, User))>> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let times = "COALESCE(s.issue_times, ''::bytea)";
        format!(
            "UPDATE sessions s SET generation = s.generation + 1, last_used_at = v.now,
                    idle_expires_at = LEAST(v.idle_until, s.absolute_expires_at),
                    issued_to = v.issued_to,
                    issue_times = substring({times} from GREATEST(length({times}) - $8 + 1, 1))
                                  || v.time
                 FROM unnest($1::int4[], $2::text[], $3::int8[], $4::int8[], $5::int8[],
                             $6::bytea[], $7::bytea[])
                          AS v(step, id, generation, now, idle_until, issued_to, time),
                      users u
                 WHERE s.id = v.id AND s.generation = v.generation AND s.end_reason IS NULL
                   AND s.kind = $9 AND s.idle_expires_at > v.now AND s.absolute_expires_at > v.now
                   AND u.id = s.user_id AND NOT u.disabled
                 RETURNING {SESSION_COLUMNS}, {USER_COLUMNS}, v.step"
        )
    });
    let statement = conn.prepared(sql)?;
    let index: Vec<i32> = (0..steps.len() as i32).collect();
    let field = |f: fn(&Advance) -> i64| steps.iter().map(|a| f(a)).collect::<Vec<i64>>();
    let ids: Vec<&str> = steps.iter().map(|a| a.session_id.as_str()).collect();
    let issued_to: Vec<&[u8]> = steps.iter().map(|a| &a.issued_to[..]).collect();
    let times: Vec<[u8; 8]> = steps
        .iter()
        .map(|a| IssueTimes::time_bytes(a.now))
        .collect();
    let times: Vec<&[u8]> = times.iter().map(|t| &t[..]).collect();
    let moved = conn.client.query(
        &statement,
        &[
            &index,
            &ids,
            &field(|a| a.from_generation),
            &field(|a| a.now),
            &field(|a| a.idle_until),
            &issued_to,
            &times,
            &IssueTimes::BYTES_KEPT_BY_ROTATION,
            &SessionKind::App.as_str(),
        ],
    )?;
    let step_column = SESSION_COLUMN_COUNT + rows::USER_COLUMN_COUNT;
    moved
        .iter()
        .map(|row| {
            let step: i32 = column(row, step_column)?;
            let session = (rows::session(row)?, rows::user(row, SESSION_COLUMN_COUNT)?);
            Ok((step as usize, session))
        })
        .collect()
}
