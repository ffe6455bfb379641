//! The refresh rules' jobs on PostgreSQL (group commit): a few threads, each with its own bounded
//! queue, take the jobs waiting there, up to `MAX_BATCH`, run them in one transaction (`batch`)
//! and answer them only after the commit. Measured against one transaction per job on the same
//! threads, batches took refreshes from about 4,000 to about 6,500 a second (docs/performance.md).
//! Work goes to the threads in turn, but work on a refresh id that already has work queued or open
//! joins that thread, so two tabs refreshing together never hold locks in two open batches of one
//! instance. Two batches that still lock two sessions in opposite orders (on two instances)
//! deadlock; PostgreSQL aborts one job's statement, its batch runs again job by job, and a job
//! that fails again gets 503 `busy`, which its caller retries.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use r2d2::Pool;

use super::{batch, Manager};
use crate::store::{
    Advance, OpenError, SessionJob, SessionTx, SessionWork, StoreError, StoreResult,
};

/// Jobs waiting beyond this (over all threads) are refused as busy: memory stays bounded.
const QUEUE: usize = 4096;
/// Transactions in flight per instance: one fills while the other commits.
/// Since a batch's live refreshes rotate in one statement, a job costs the
/// writer little and a batch three round trips: at 32 clients two threads
/// taking up to 32 jobs each served 0.97–1.29× the one-UPDATE pgbench script
/// where four taking 16 served 0.73–0.86×, at less CPU per refresh
/// (docs/performance.md).
pub const THREADS: usize = 2;
/// The most jobs one transaction takes, so a commit is never far away.
const MAX_BATCH: usize = 32;

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

/// A job that holds its id's pin until it is answered (or dropped).
struct PinnedJob {
    job: SessionWork,
    _pinned: Pinned,
}

impl SessionJob for PinnedJob {
    fn run(&mut self, tx: StoreResult<&dyn SessionTx>) -> bool {
        self.job.run(tx)
    }

    fn answer(self: Box<Self>, committed: StoreResult<()>) {
        let PinnedJob { job, _pinned } = *self;
        job.answer(committed);
    }

    fn advance(&self) -> Option<&Advance> {
        self.job.advance()
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
            job.refuse(StoreError::Busy);
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
        let job = Box::new(PinnedJob {
            job,
            _pinned: Pinned {
                pins: self.pins.clone(),
                affinity,
            },
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
            Ok(mut conn) => batch::run(&mut conn, batch),
            Err(_) => batch::refuse(batch, &StoreError::Busy),
        }
    }
}
