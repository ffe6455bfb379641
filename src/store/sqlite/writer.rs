//! Group commit: one thread with its own connection runs queued write jobs, many to a transaction, and answers each only after that transaction has committed — the same durability as one commit per job, at a fraction of the commits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

/// The most jobs one transaction takes, so a commit is never far away.
const MAX_BATCH: usize = 256;
/// Jobs waiting beyond this make submitters wait: memory stays bounded.
const QUEUE: usize = 4096;
/// How often the WAL is folded back into the database while writes happen.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Runs against the batch's connection (`None`: the batch could not start)
/// and returns what to do once the batch's fate is known.
type Job = Box<dyn FnOnce(Option<&Connection>) -> Delivery + Send>;
type Delivery = Box<dyn FnOnce(StoreResult<()>) + Send>;

#[derive(Clone)]
pub(super) struct Writer {
    jobs: SyncSender<Job>,
}

impl Writer {
    /// `conn` writes; `checkpointer` folds the WAL back in on its own thread,
    /// so a checkpoint's fsync never stalls the writer (and every request behind it).
    pub(super) fn start(conn: Connection, checkpointer: Connection) -> Result<Writer, String> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let wrote = Arc::new(AtomicBool::new(false));
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .map_err(|e| format!("cannot configure the database writer: {e}"))?;
        let flag = wrote.clone();
        thread::Builder::new()
            .name("latchkey-writer".into())
            .spawn(move || drain(conn, queue, &flag))
            .map_err(|e| format!("cannot start the database writer: {e}"))?;
        thread::Builder::new()
            .name("latchkey-checkpoint".into())
            .spawn(move || checkpoint_while_in_use(checkpointer, &wrote))
            .map_err(|e| format!("cannot start the checkpointer: {e}"))?;
        Ok(Writer { jobs })
    }

    /// Runs `work` in the next batch, inside a savepoint so a failing job
    /// undoes only itself; blocks until the batch has committed.
    pub(super) fn submit<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel::<StoreResult<T>>(1);
        let job: Job = Box::new(move |conn| {
            let outcome = match conn {
                Some(conn) => in_savepoint(conn, work),
                None => Err(StoreError::Busy),
            };
            Box::new(move |batch: StoreResult<()>| {
                let _ = reply.send(batch.and(outcome));
            })
        });
        let stopped = || StoreError::Other("the database writer has stopped".into());
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

fn drain(conn: Connection, queue: Receiver<Job>, wrote: &AtomicBool) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        let began = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(StoreError::from);
        let run_on = began.is_ok().then_some(&conn);
        let deliveries: Vec<Delivery> = batch.into_iter().map(|job| job(run_on)).collect();
        let committed = began.and_then(|()| conn.execute_batch("COMMIT").map_err(StoreError::from));
        if committed.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        wrote.store(true, Ordering::Relaxed);
        for deliver in deliveries {
            deliver(committed.clone());
        }
    }
}

/// PASSIVE never blocks readers or the writer. Ends when the store is dropped
/// (the writer's queue closes, then `wrote` has no other owner).
fn checkpoint_while_in_use(conn: Connection, wrote: &Arc<AtomicBool>) {
    while Arc::strong_count(wrote) > 1 {
        thread::sleep(CHECKPOINT_EVERY);
        if wrote.swap(false, Ordering::Relaxed) {
            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    let outcome = work(conn);
    if outcome.is_err() {
        conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
    }
    conn.prepare_cached("RELEASE job")?.execute([])?;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer_over_a_table() -> (Writer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (v INTEGER UNIQUE);")
            .unwrap();
        let checkpointer = Connection::open(&path).unwrap();
        (Writer::start(conn, checkpointer).unwrap(), dir)
    }

    #[test]
    fn concurrent_jobs_all_commit_and_a_failing_one_undoes_only_itself() {
        let (writer, dir) = writer_over_a_table();
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let writer = writer.clone();
                thread::spawn(move || {
                    writer.submit(move |conn| {
                        conn.execute("INSERT INTO t (v) VALUES (?1)", [i % 49])?;
                        Ok(())
                    })
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_err()).count(),
            1,
            "one duplicate fails"
        );
        let reader = Connection::open(dir.path().join("w.db")).unwrap();
        let stored: i64 = reader
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            stored, 49,
            "every other job is committed and visible to another connection"
        );
    }
}
