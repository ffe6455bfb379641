//! The app's reader threads: the access check of every authenticated request, served in runs of
//! the jobs queued together (one read snapshot per run where the store offers it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use super::batch_scheduling;
use crate::error::ApiError;

type ReadJob = Box<dyn FnOnce() + Send>;

/// Reads waiting per reader thread beyond this are refused as busy, so a
/// flood cannot queue without bound.
const READ_QUEUE: usize = 1024;

/// A run holds at most this many jobs, so its read snapshot stays short.
const RUN: usize = 128;

/// What a reader runs each run of queued jobs inside: for SQLite, one read
/// snapshot (`SessionStore::in_one_snapshot`).
pub type RunScope = Arc<dyn Fn(&mut dyn FnMut()) + Send + Sync>;

/// The app's reader threads, one queue each, served in turn. Each app has
/// its own; they stop when the app (its last queue sender) is dropped.
pub struct Readers {
    queues: Vec<mpsc::SyncSender<ReadJob>>,
    next: AtomicUsize,
}

impl Readers {
    pub fn start(threads: usize, scope: RunScope) -> Readers {
        let queues = (0..threads.max(1))
            .map(|i| {
                let (queue, jobs) = mpsc::sync_channel::<ReadJob>(READ_QUEUE);
                let scope = scope.clone();
                thread::Builder::new()
                    .name(format!("latchkey-read-{i}"))
                    .spawn(move || {
                        batch_scheduling();
                        serve_in_runs(&jobs, &*scope)
                    })
                    .expect("a reader thread starts");
                queue
            })
            .collect();
        Readers {
            queues,
            next: AtomicUsize::new(0),
        }
    }

    /// A short read on a reader thread. Under load a reader takes the next
    /// job as soon as it finishes one, instead of a pool thread being woken
    /// per request: the access-token check on every authenticated request is
    /// the hottest read there is.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.send(Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(ApiError::internal("read job panicked")));
            let _ = reply.send(outcome);
        }))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a reader dropped a job"))?
    }

    fn send(&self, job: ReadJob) -> Result<(), ApiError> {
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len();
        self.queues[turn].try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => ApiError::Busy,
            mpsc::TrySendError::Disconnected(_) => ApiError::internal("reader threads stopped"),
        })
    }
}

/// Serves the jobs in runs: each run is what was queued when it began (a
/// job queued later waits for the next run, and so for a fresher snapshot).
fn serve_in_runs(jobs: &mpsc::Receiver<ReadJob>, scope: &dyn Fn(&mut dyn FnMut())) {
    let mut run: Vec<ReadJob> = Vec::with_capacity(RUN);
    while let Ok(first) = jobs.recv() {
        run.push(first);
        run.extend(jobs.try_iter().take(RUN - 1));
        if run.len() > 1 {
            scope(&mut || run.drain(..).for_each(|job| job()));
        }
        // A lone job needs no shared snapshot.
        run.drain(..).for_each(|job| job());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheduling policy of the calling thread, from /proc (field 41 of its stat line).
    #[cfg(target_os = "linux")]
    fn own_policy() -> Result<u32, ApiError> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat")
            .map_err(|e| ApiError::internal(e.to_string()))?;
        // The command name (field 2) may hold spaces; the fields after it do not.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        Ok(after_name.split(' ').nth(41 - 3).unwrap().parse().unwrap())
    }

    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn reads_run_on_reader_threads_scheduled_as_batch_work() {
        let readers = Readers::start(2, Arc::new(|run| run()));
        for _ in 0..2 {
            let policy = readers.read(own_policy).await.unwrap();
            assert_eq!(policy, libc::SCHED_BATCH as u32);
        }
        assert_eq!(
            own_policy().unwrap(),
            libc::SCHED_OTHER as u32,
            "the caller keeps its own"
        );
    }

    /// Where a job ran: inside a run scope or not, and how many scopes had begun by then.
    type Seen = mpsc::Sender<(&'static str, bool, usize)>;

    fn recording(name: &'static str, seen: &Seen, scope: &Arc<ScopeLog>) -> ReadJob {
        let (seen, scope) = (seen.clone(), scope.clone());
        Box::new(move || {
            let inside = scope.inside.load(Ordering::SeqCst);
            seen.send((name, inside, scope.begun.load(Ordering::SeqCst)))
                .unwrap();
        })
    }

    #[derive(Default)]
    struct ScopeLog {
        inside: std::sync::atomic::AtomicBool,
        begun: AtomicUsize,
    }

    #[test]
    fn jobs_queued_together_share_a_run_and_a_job_queued_during_it_waits_for_the_next() {
        let log = Arc::new(ScopeLog::default());
        let scope: RunScope = {
            let log = log.clone();
            Arc::new(move |run| {
                log.begun.fetch_add(1, Ordering::SeqCst);
                log.inside.store(true, Ordering::SeqCst);
                run();
                log.inside.store(false, Ordering::SeqCst);
            })
        };
        let readers = Readers::start(1, scope);
        let (seen, order) = mpsc::channel();
        let (open_gate, gate) = mpsc::channel::<()>();
        let (started, first_started) = mpsc::channel::<()>();
        let first = recording("first", &seen, &log);
        readers
            .send(Box::new(move || {
                started.send(()).unwrap();
                gate.recv().unwrap();
                first();
            }))
            .unwrap();
        // The others queue while the first runs alone.
        first_started.recv().unwrap();
        let (queue, late) = (readers.queues[0].clone(), recording("late", &seen, &log));
        let second = recording("second", &seen, &log);
        readers
            .send(Box::new(move || {
                queue.try_send(late).unwrap();
                second();
            }))
            .unwrap();
        readers.send(recording("third", &seen, &log)).unwrap();
        open_gate.send(()).unwrap();
        let ran: Vec<_> = order.iter().take(4).collect();
        assert_eq!(
            ran,
            [
                ("first", false, 0),
                ("second", true, 1),
                ("third", true, 1),
                ("late", false, 1),
            ]
        );
    }
}
