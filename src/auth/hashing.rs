//! Password hashing on a few dedicated, low-priority threads, one per slot: a login flood queues
//! briefly, then gets 503, instead of exhausting memory (19 MiB per hash) or starving the requests
//! that need no hash.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::argon;
use crate::error::ApiError;

/// How long a login waits for a slot before answering 503.
const SLOT_WAIT: Duration = Duration::from_secs(2);
/// A hash thread idle this long gives its 19 MiB back.
const RELEASE_MEMORY_AFTER: Duration = Duration::from_secs(2);
/// Hash threads yield to request threads: a flood of logins must not
/// lengthen the answers that need no hash.
const HASH_THREAD_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct HashSlots {
    slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    total: usize,
}

/// The right to run one hashing job now.
pub struct HashSlot {
    _permit: OwnedSemaphorePermit,
    jobs: mpsc::Sender<Job>,
}

impl HashSlots {
    /// Starts `total` hash threads. Each reuses its own argon2 memory, so
    /// memory stays at about `total` × 19 MiB however long a flood lasts.
    pub fn new(total: usize) -> HashSlots {
        let total = total.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..total {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("latchkey-hash-{i}"))
                .spawn(move || serve(&queue))
                .expect("a hash thread starts");
        }
        HashSlots {
            slots: Arc::new(Semaphore::new(total)),
            jobs,
            total,
        }
    }

    pub async fn acquire(&self) -> Result<HashSlot, ApiError> {
        match tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HashSlot {
                _permit: permit,
                jobs: self.jobs.clone(),
            }),
            _ => Err(ApiError::Busy),
        }
    }

    pub fn in_use(&self) -> usize {
        self.total - self.slots.available_permits()
    }
}

impl HashSlot {
    /// Runs `work` (a hash and the database work around it) on a hash thread;
    /// the slot is held until it is done.
    pub async fn run<T, F>(self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err(ApiError::internal("hashing job panicked")));
            let _ = reply.send(outcome);
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("hash threads stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("hash thread dropped a job"))?
    }
}

fn serve(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    argon::keep_memory_on_this_thread();
    loop {
        let Ok(waiting) = queue.lock() else { return };
        let next = waiting.recv_timeout(RELEASE_MEMORY_AFTER);
        drop(waiting);
        match next {
            Ok(job) => job(),
            Err(RecvTimeoutError::Timeout) => argon::release_memory(),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[allow(unsafe_code)] // the libc call below, with its SAFETY note
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on this thread's own id only changes its niceness.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, HASH_THREAD_NICENESS);
    }
}
