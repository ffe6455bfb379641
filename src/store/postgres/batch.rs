//! One batch of the refresh rules' jobs on PostgreSQL: all in one transaction, answered only after
//! its commit. A batch first runs with no savepoint at all, and the refreshes that say what they
//! will ask first (`SessionJob::advance`) have it run for all of them in one statement before any
//! job runs: a batch of refreshes of live ids is three round trips (begin, rotate, commit),
//! whatever its size. Only when one job fails (a storage error, a
//! deadlock, a panic) is it rolled back and run again with each job in a savepoint, so the failing
//! job undoes only itself. Nothing was answered before the rollback, so running a job twice is
//! safe: each run starts from the same database.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::advance;
use super::session_tx::{Advanced, InTransaction};
use super::Connection;
use crate::store::{Advance, Session, SessionWork, StoreError, StoreResult, User};

pub(super) fn run(conn: &mut Connection, mut batch: Vec<SessionWork>) {
    match together(conn, &mut batch) {
        Together::Done(committed) => answer_all(batch, &committed),
        Together::Redo { panicked } => {
            if let Some(at) = panicked {
                tracing::error!("a session write job panicked; its writes are undone");
                // Its caller, whose answer goes down with it, learns it was dropped (500).
                drop(batch.remove(at));
            }
            isolated(conn, batch);
        }
    }
}

enum Together {
    /// The batch ran and its commit (or its BEGIN) gave this.
    Done(StoreResult<()>),
    /// A job failed and the batch was rolled back: run it again, job by job.
    Redo { panicked: Option<usize> },
}

fn together(conn: &mut Connection, batch: &mut [SessionWork]) -> Together {
    if let Err(e) = conn.client.batch_execute("BEGIN") {
        return Together::Done(Err(e.into()));
    }
    let Ok(mut advanced) = advance_all(conn, batch) else {
        let _ = conn.client.batch_execute("ROLLBACK");
        return Together::Redo { panicked: None };
    };
    for (at, job) in batch.iter_mut().enumerate() {
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let tx = InTransaction::with_advanced(&mut *conn, advanced[at].take());
            job.run(Ok(&tx)) && !tx.failed() && tx.claimed()
        }));
        if !matches!(ran, Ok(true)) {
            let _ = conn.client.batch_execute("ROLLBACK");
            let panicked = ran.is_err().then_some(at);
            return Together::Redo { panicked };
        }
    }
    let committed: StoreResult<()> = conn.client.batch_execute("COMMIT").map_err(Into::into);
    if committed.is_err() {
        let _ = conn.client.batch_execute("ROLLBACK");
    }
    Together::Done(committed)
}

/// Runs the one-step rotation that each job says it will ask for first, all in one statement:
/// one round trip for the batch where each job's own would be one each. Indexed like `batch`.
fn advance_all(conn: &mut Connection, batch: &[SessionWork]) -> StoreResult<Vec<Option<Advanced>>> {
    let asking: Vec<(usize, &Advance)> = (batch.iter().enumerate())
        .filter_map(|(at, job)| Some((at, job.advance()?)))
        .collect();
    let mut advanced: Vec<Option<Advanced>> = batch.iter().map(|_| None).collect();
    if asking.is_empty() {
        return Ok(advanced);
    }
    let steps: Vec<&Advance> = asking.iter().map(|&(_, step)| step).collect();
    let mut moved: Vec<Option<(Session, User)>> = steps.iter().map(|_| None).collect();
    for (step, row) in advance::run(conn, &steps)? {
        if let Some(slot) = moved.get_mut(step) {
            *slot = Some(row);
        }
    }
    for ((at, asked), row) in asking.into_iter().zip(moved) {
        let asked = asked.clone();
        advanced[at] = Some(Advanced { asked, row });
    }
    Ok(advanced)
}

fn answer_all(batch: impl IntoIterator<Item = SessionWork>, outcome: &StoreResult<()>) {
    for job in batch {
        job.answer(outcome.clone());
    }
}

/// Refuses every job with `error`, without a transaction.
pub(super) fn refuse(jobs: impl IntoIterator<Item = SessionWork>, error: &StoreError) {
    for job in jobs {
        job.refuse(error.clone());
    }
}

/// The jobs in one transaction, each in a savepoint so a failing one undoes
/// only itself. The statements between two jobs (close one savepoint, open
/// the next) go in one round trip; every answer waits for the commit.
fn isolated(conn: &mut Connection, batch: Vec<SessionWork>) {
    if batch.is_empty() {
        return;
    }
    let mut ran: Vec<(Kept, SessionWork)> = Vec::with_capacity(batch.len());
    let mut between = "BEGIN; SAVEPOINT job";
    let mut undo_last = false;
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        if let Err(e) = conn.client.batch_execute(between) {
            let e = StoreError::from(e);
            let _ = conn.client.batch_execute("ROLLBACK");
            answer_all(ran.into_iter().map(|(_, job)| job), &Err(e.clone()));
            return refuse(std::iter::once(job).chain(jobs), &e);
        }
        let kept = in_savepoint(conn, job);
        undo_last = !matches!(kept, Some((Kept::Yes, _)));
        between = match undo_last {
            false => "RELEASE job; SAVEPOINT job",
            true => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
        };
        ran.extend(kept);
    }
    let last = match undo_last {
        false => "RELEASE job; COMMIT",
        true => "ROLLBACK TO job; RELEASE job; COMMIT",
    };
    let committed: StoreResult<()> = conn.client.batch_execute(last).map_err(Into::into);
    if committed.is_err() {
        let _ = conn.client.batch_execute("ROLLBACK");
    }
    for (kept, job) in ran {
        job.answer(match kept {
            Kept::Failed(e) => committed.clone().and(Err(e)),
            Kept::Yes | Kept::Undone => committed.clone(),
        });
    }
}

/// What became of a job's writes.
enum Kept {
    Yes,
    /// The job undid them itself and reports its own error.
    Undone,
    /// Undone because a statement failed under a job that meant to keep them.
    Failed(StoreError),
}

/// Runs a job inside the open savepoint: `Yes` to keep its writes, else why
/// they are to be undone. A job that panics is dropped (`None`): its caller
/// learns it was dropped (500).
fn in_savepoint(conn: &mut Connection, mut job: SessionWork) -> Option<(Kept, SessionWork)> {
    let ran = catch_unwind(AssertUnwindSafe(|| {
        let tx = InTransaction::new(&mut *conn);
        (job.run(Ok(&tx)), tx.failed())
    }));
    match ran {
        Ok((true, false)) => Some((Kept::Yes, job)),
        // It went on past a failed statement: none of its writes stay.
        Ok((true, true)) => Some((Kept::Failed(StoreError::Busy), job)),
        Ok((false, _)) => Some((Kept::Undone, job)),
        Err(_) => {
            tracing::error!("a session write job panicked; its writes are undone");
            None
        }
    }
}
