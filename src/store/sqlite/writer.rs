//! Group commit: one thread with its own connection runs queued write jobs, many to a transaction,
//! and answers each only after that transaction has committed — the same durability as one commit
//! per job, at a fraction of the commits.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::{OpenError, StoreError, StoreResult};

/// The most jobs one transaction takes, so a commit is never far away.
const MAX_BATCH: usize = 256;
/// Jobs waiting beyond this are refused as busy: memory stays bounded.
const QUEUE: usize = 4096;
/// How often the WAL is folded back into the database while writes happen.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// A WAL longer than this (about 16 MiB of 4 KiB pages) is started over; under
/// a refresh flood it reaches a few times that between two checkpoints.
const RESTART_ABOVE_FRAMES: i64 = 4000;
/// How long a RESTART may wait for readers to leave the WAL. It holds the
/// write lock meanwhile, so this bounds the writer's pause; one that runs out
/// gives up and is tried again at the next tick.
const RESTART_WAIT: Duration = Duration::from_millis(10);

/// Runs against the batch's connection (or learns why there is none), says
/// whether to keep its writes, and returns what to do once the batch's fate
/// is known.
pub(super) type Job = Box<dyn FnOnce(StoreResult<&Connection>) -> (bool, Delivery) + Send>;
pub(super) type Delivery = Box<dyn FnOnce(StoreResult<()>) + Send>;

#[derive(Clone)]
pub(super) struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// `conn` writes; `checkpointer` folds the WAL back in on its own thread,
    /// so a checkpoint's fsync never stalls the writer (and every request behind it).
    pub(super) fn start(conn: Connection, checkpointer: Connection) -> Result<Writer, OpenError> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let wrote = Arc::new(AtomicBool::new(false));
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(OpenError::ConfigureWriter)?;
        checkpointer
            .busy_timeout(RESTART_WAIT)
            .map_err(OpenError::ConfigureCheckpointer)?;
        let flag = wrote.clone();
        thread::Builder::new()
            .name("latchkey-writer".into())
            .spawn(move || {
                crate::blocking::batch_scheduling();
                drain(conn, queue, &flag)
            })
            .map_err(OpenError::StartWriter)?;
        thread::Builder::new()
            .name("latchkey-checkpoint".into())
            .spawn(move || checkpoint_while_in_use(checkpointer, &wrote))
            .map_err(OpenError::StartCheckpointer)?;
        Ok(Writer { jobs })
    }

    /// Never blocks: a full queue (or a stopped writer) answers the job busy.
    pub(super) fn enqueue(&self, job: Job) {
        if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
            self.jobs.try_send(job)
        {
            let (_, deliver) = job(Err(StoreError::Busy));
            deliver(Err(StoreError::Busy));
        }
    }
}

fn drain(conn: Connection, queue: Receiver<Job>, wrote: &AtomicBool) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        let began = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(StoreError::from);
        // A full disk (or an I/O error) can make SQLite roll the whole
        // transaction back: the jobs after it, and the batch, are then lost.
        let deliveries: Vec<Delivery> = batch
            .into_iter()
            .map(|job| match &began {
                Ok(()) if conn.is_autocommit() => job(Err(StoreError::Busy)).1,
                Ok(()) => in_savepoint(&conn, job),
                Err(e) => job(Err(e.clone())).1,
            })
            .collect();
        let committed = began.and_then(|()| match conn.is_autocommit() {
            true => Err(StoreError::Busy),
            false => conn.execute_batch("COMMIT").map_err(StoreError::from),
        });
        if committed.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        wrote.store(true, Ordering::Relaxed);
        for deliver in deliveries {
            deliver(committed.clone());
        }
    }
}

/// A job that fails undoes only its own writes, not the batch's. A job that
/// panics is undone too, and its caller, whose reply went down with the
/// job, learns it was dropped (500); the writer and the batch go on.
fn in_savepoint(conn: &Connection, job: Job) -> Delivery {
    let opened = conn
        .prepare_cached("SAVEPOINT job")
        .and_then(|mut s| s.execute([]));
    if let Err(e) = opened {
        return job(Err(e.into())).1;
    }
    let (keep, deliver) = match catch_unwind(AssertUnwindSafe(|| job(Ok(conn)))) {
        Ok(ran) => ran,
        Err(_) => {
            tracing::error!("a session write job panicked; its writes are undone");
            (false, Box::new(|_| {}) as Delivery)
        }
    };
    let closed = (|| {
        if !keep {
            conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
        }
        conn.prepare_cached("RELEASE job")?.execute([])
    })();
    if let Err(e) = closed {
        tracing::error!(error = %e, "could not close a write job's savepoint");
    }
    deliver
}

/// PASSIVE never blocks readers or the writer, but under steady writes it
/// never catches up with the end of the WAL either, and the WAL grows without
/// end; past `RESTART_ABOVE_FRAMES` a RESTART checkpoint lets the next batch
/// start the WAL from the top. It runs right after a PASSIVE one, so it has
/// little left to copy, and waits at most `RESTART_WAIT` for readers: the
/// writer and other openers are held up for milliseconds, not for as long as
/// a reader keeps reading.
/// Ends when the store is dropped (the writer's queue closes, then `wrote` has
/// no other owner).
fn checkpoint_while_in_use(conn: Connection, wrote: &Arc<AtomicBool>) {
    while Arc::strong_count(wrote) > 1 {
        thread::sleep(CHECKPOINT_EVERY);
        if !wrote.swap(false, Ordering::Relaxed) {
            continue;
        }
        let outcome = checkpoint(&conn, "PASSIVE").and_then(|frames| {
            if frames > RESTART_ABOVE_FRAMES {
                checkpoint(&conn, "RESTART")?;
            }
            Ok(())
        });
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// Runs a checkpoint; returns how many frames the WAL holds.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        row.get(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(writer: &Writer, value: i64) -> mpsc::Receiver<StoreResult<()>> {
        let (reply, answer) = mpsc::channel();
        writer.enqueue(Box::new(move |conn| {
            let inserted = conn.and_then(|conn| {
                conn.execute("INSERT INTO t (v) VALUES (?1)", [value])?;
                Ok(())
            });
            let keep = inserted.is_ok();
            let deliver: Delivery = Box::new(move |batch| {
                let _ = reply.send(batch.and(inserted));
            });
            (keep, deliver)
        }));
        answer
    }

    #[test]
    fn queued_jobs_all_commit_and_a_failing_one_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER UNIQUE);")
            .unwrap();
        let writer = Writer::start(conn, Connection::open(&path).unwrap()).unwrap();

        let answers: Vec<_> = (0..50).map(|i| insert(&writer, i % 49)).collect();

        let results: Vec<_> = answers.into_iter().map(|a| a.recv().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_err()).count(),
            1,
            "one duplicate fails"
        );
        let reader = Connection::open(&path).unwrap();
        let stored: i64 = reader
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            stored, 49,
            "every other job is committed and visible to another connection"
        );
    }
}
