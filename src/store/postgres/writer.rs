//! The refresh rules' jobs on PostgreSQL (group commit): a few threads each take the jobs waiting in
//! one bounded queue, up to `MAX_BATCH`, run them in one transaction, each in a savepoint so a
//! failing job undoes only itself, and answer them only after the commit. Measured against one
//! transaction per job on the same threads, batches took refreshes from about 4,000 to about 6,500
//! a second (README, Performance). Two batches that lock the same two sessions in opposite orders
//! deadlock; PostgreSQL then aborts one job's statement, whose caller gets 503 `busy` and retries.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use r2d2::Pool;

use super::session_tx::InTransaction;
use super::{Connection, Manager};
use crate::store::{SessionReply, SessionWork, StoreError, StoreResult};

/// Jobs waiting beyond this are refused as busy: memory stays bounded.
const QUEUE: usize = 4096;
/// Transactions in flight per instance: enough to keep the database's
/// commit flushes full, few enough to leave pool connections to readers.
pub const THREADS: usize = 4;
/// The most jobs one transaction takes, so a commit is never far away.
const MAX_BATCH: usize = 16;

#[derive(Clone)]
pub(super) struct Writer {
    jobs: SyncSender<SessionWork>,
}

impl Writer {
    pub(super) fn start(pool: Pool<Manager>) -> Result<Writer, String> {
        let (jobs, queue) = mpsc::sync_channel::<SessionWork>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..THREADS {
            let (pool, queue) = (pool.clone(), queue.clone());
            thread::Builder::new()
                .name(format!("latchkey-pg-writer-{i}"))
                .spawn(move || drain(&pool, &queue))
                .map_err(|e| format!("cannot start the database writer: {e}"))?;
        }
        Ok(Writer { jobs })
    }

    /// Never blocks: a full queue (or a stopped writer) answers the job busy.
    pub(super) fn enqueue(&self, job: SessionWork) {
        if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
            self.jobs.try_send(job)
        {
            let (_, reply) = job(Err(StoreError::Busy));
            reply(Err(StoreError::Busy));
        }
    }
}

/// Ends when every sender is gone (the store was dropped).
fn drain(pool: &Pool<Manager>, queue: &Mutex<Receiver<SessionWork>>) {
    loop {
        let batch: Vec<SessionWork> = {
            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            let Ok(first) = queue.recv() else { return };
            let mut batch = vec![first];
            batch.extend(queue.try_iter().take(MAX_BATCH - 1));
            batch
        };
        match pool.get() {
            Ok(mut conn) => run_batch(&mut conn, batch),
            Err(_) => refuse(batch, &StoreError::Busy),
        }
    }
}

fn refuse(jobs: impl IntoIterator<Item = SessionWork>, error: &StoreError) {
    for job in jobs {
        let (_, reply) = job(Err(error.clone()));
        reply(Err(error.clone()));
    }
}

/// The jobs in one transaction, each in a savepoint so a failing one undoes
/// only itself. The statements between two jobs (close one savepoint, open
/// the next) go in one round trip; every reply waits for the commit.
fn run_batch(conn: &mut Connection, batch: Vec<SessionWork>) {
    let mut replies: Vec<(Kept, SessionReply)> = Vec::with_capacity(batch.len());
    let mut between = "BEGIN; SAVEPOINT job";
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        if let Err(e) = conn.client.batch_execute(between) {
            let e = StoreError::from(e);
            let _ = conn.client.batch_execute("ROLLBACK");
            replies
                .into_iter()
                .for_each(|(_, reply)| reply(Err(e.clone())));
            return refuse(std::iter::once(job).chain(jobs), &e);
        }
        let (kept, reply) = in_savepoint(conn, job);
        between = match kept {
            Kept::Yes => "RELEASE job; SAVEPOINT job",
            _ => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
        };
        replies.push((kept, reply));
    }
    let last = match replies.last() {
        Some((Kept::Yes, _)) | None => "RELEASE job; COMMIT",
        Some(_) => "ROLLBACK TO job; RELEASE job; COMMIT",
    };
    let committed: StoreResult<()> = conn.client.batch_execute(last).map_err(Into::into);
    if committed.is_err() {
        let _ = conn.client.batch_execute("ROLLBACK");
    }
    for (kept, reply) in replies {
        reply(match kept {
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

/// Runs a job inside the open savepoint: `Ok` to keep its writes, else why
/// they are to be undone. A job that panics is undone and its caller, whose
/// reply went down with it, learns it was dropped (500).
fn in_savepoint(conn: &mut Connection, job: SessionWork) -> (Kept, SessionReply) {
    let ran = catch_unwind(AssertUnwindSafe(|| {
        let tx = InTransaction::new(&mut *conn);
        let (keep, reply) = job(Ok(&tx));
        (keep, tx.failed(), reply)
    }));
    match ran {
        Ok((true, false, reply)) => (Kept::Yes, reply),
        // It went on past a failed statement: none of its writes stay.
        Ok((true, true, reply)) => (Kept::Failed(StoreError::Busy), reply),
        Ok((false, _, reply)) => (Kept::Undone, reply),
        Err(_) => {
            tracing::error!("a session write job panicked; its writes are undone");
            (Kept::Undone, Box::new(|_| {}))
        }
    }
}
