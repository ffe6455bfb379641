//! One batch of the refresh rules' jobs on PostgreSQL: all in one transaction, answered only after
//! its commit. A batch first runs with no savepoint at all (two statements a rotation instead of
//! three round trips and a subtransaction each); only when one job fails (a storage error, a
//! deadlock, a panic) is it rolled back and run again with each job in a savepoint, so the failing
//! job undoes only itself. Nothing was answered before the rollback, so running a job twice is
//! safe: each run starts from the same database.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::session_tx::InTransaction;
use super::Connection;
use crate::store::{SessionWork, StoreError, StoreResult};

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
    for (at, job) in batch.iter_mut().enumerate() {
        let ran = catch_unwind(AssertUnwindSafe(|| {
            let tx = InTransaction::new(&mut *conn);
            job.run(Ok(&tx)) && !tx.failed()
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
