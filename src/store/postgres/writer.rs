//! The refresh rules' jobs on PostgreSQL: a few threads take jobs from one bounded queue and run
//! each in its own transaction, answering only after it committed. PostgreSQL flushes the commits
//! of concurrent transactions together, so this is group commit without a shared batch (a batch
//! would hold every job's row locks until the slowest one's, across instances too).

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
        let job = match queue.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        match pool.get() {
            Ok(mut conn) => run(&mut conn, job),
            Err(_) => {
                let (_, reply) = job(Err(StoreError::Busy));
                reply(Err(StoreError::Busy));
            }
        }
    }
}

/// One job in one transaction. A job that panics is rolled back and its
/// caller, whose reply went down with it, learns it was dropped (500).
fn run(conn: &mut Connection, job: SessionWork) {
    if let Err(e) = conn.client.batch_execute("BEGIN") {
        let e = StoreError::from(e);
        let (_, reply) = job(Err(e.clone()));
        return reply(Err(e));
    }
    let ran = catch_unwind(AssertUnwindSafe(|| {
        let tx = InTransaction::new(&mut *conn);
        let (keep, reply) = job(Ok(&tx));
        (keep, tx.failed(), reply)
    }));
    let (keep, failed, reply): (bool, bool, SessionReply) = match ran {
        Ok(ran) => ran,
        Err(_) => {
            tracing::error!("a session write job panicked; its writes are undone");
            (false, false, Box::new(|_| {}))
        }
    };
    let ended: StoreResult<()> = match (keep, failed) {
        (true, false) => conn.client.batch_execute("COMMIT").map_err(Into::into),
        // A job that went on past a failed statement keeps none of its writes.
        (true, true) => conn
            .client
            .batch_execute("ROLLBACK")
            .map_err(StoreError::from)
            .and(Err(StoreError::Busy)),
        (false, _) => conn.client.batch_execute("ROLLBACK").map_err(Into::into),
    };
    reply(ended);
}
