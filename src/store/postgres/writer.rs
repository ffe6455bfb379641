//! The refresh rules' jobs on PostgreSQL (group commit): a few threads, each with its own bounded
//! queue, take the jobs waiting there, up to `MAX_BATCH`, run them in one transaction, each in a
//! savepoint so a failing job undoes only itself, and answer them only after the commit. Measured
//! against one transaction per job on the same threads, batches took refreshes from about 4,000
//! to about 6,500 a second (docs/performance.md). Work goes to the threads in turn, but work on a
//! refresh id that already has work queued or open joins that thread, so two tabs refreshing
//! together never hold locks in two open batches of one instance. Two batches that still lock
//! two sessions in opposite orders (on two instances) deadlock; PostgreSQL aborts one job's
//! statement, whose caller gets 503 `busy` and retries.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use r2d2::Pool;

use super::session_tx::InTransaction;
use super::{Connection, Manager};
use crate::store::{OpenError, SessionReply, SessionWork, StoreError, StoreResult};

/// Jobs waiting beyond this (over all threads) are refused as busy: memory stays bounded.
const QUEUE: usize = 4096;
/// Transactions in flight per instance: enough to keep the database's
/// commit flushes full, few enough to leave pool connections to readers.
pub const THREADS: usize = 4;
/// The most jobs one transaction takes, so a commit is never far away.
const MAX_BATCH: usize = 16;

#[derive(Clone)]
pub(super) struct Writer {
    /// One queue per writer thread.
    queues: Arc<[SyncSender<SessionWork>]>,
    /// Where the next new work goes, in turn.
    next: Arc<AtomicUsize>,
    pins: Arc<Pins>,
}

/// For each refresh id with work queued or in an open batch: its thread and
/// how many such jobs there are.
type Pins = Mutex<HashMap<u64, (usize, usize)>>;

/// Holds a job's id to its thread until the job is answered (or dropped).
struct Pinned {
    pins: Arc<Pins>,
    affinity: u64,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let mut pins = self.pins.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, jobs)) = pins.get_mut(&self.affinity) {
            *jobs -= 1;
            if *jobs == 0 {
                pins.remove(&self.affinity);
            }
        }
    }
}

impl Writer {
    pub(super) fn start(pool: Pool<Manager>) -> Result<Writer, OpenError> {
        let mut queues = Vec::with_capacity(THREADS);
        for i in 0..THREADS {
            let (jobs, queue) = mpsc::sync_channel::<SessionWork>(QUEUE / THREADS);
            let pool = pool.clone();
            thread::Builder::new()
                .name(format!("latchkey-pg-writer-{i}"))
                .spawn(move || drain(&pool, &queue))
                .map_err(OpenError::StartWriter)?;
            queues.push(jobs);
        }
        Ok(Writer {
            queues: queues.into(),
            next: Arc::default(),
            pins: Arc::default(),
        })
    }

    /// Work goes to the threads in turn, but work on a refresh id that
    /// already has work queued or in an open batch joins that thread. Never
    /// blocks: a full queue (or a stopped writer) answers the job busy.
    pub(super) fn enqueue(&self, affinity: Option<u64>, job: SessionWork) {
        let (turn, job) = match affinity {
            None => (self.next_turn(), job),
            Some(affinity) => self.pin(affinity, job),
        };
        if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
            self.queues[turn].try_send(job)
        {
            let (_, reply) = job(Err(StoreError::Busy));
            reply(Err(StoreError::Busy));
        }
    }

    fn next_turn(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len()
    }

    /// The thread for `affinity`, and the job wrapped to release it once answered.
    fn pin(&self, affinity: u64, job: SessionWork) -> (usize, SessionWork) {
        let turn = {
            let mut pins = self.pins.lock().unwrap_or_else(|e| e.into_inner());
            let (turn, jobs) = pins
                .entry(affinity)
                .or_insert_with(|| (self.next_turn(), 0));
            *jobs += 1;
            *turn
        };
        let pinned = Pinned {
            pins: self.pins.clone(),
            affinity,
        };
        let job: SessionWork = Box::new(move |tx| {
            let (keep, reply) = job(tx);
            let reply: SessionReply = Box::new(move |outcome| {
                reply(outcome);
                drop(pinned);
            });
            (keep, reply)
        });
        (turn, job)
    }
}

/// Ends when every sender is gone (the store was dropped).
fn drain(pool: &Pool<Manager>, queue: &Receiver<SessionWork>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
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
