//! The ways to run blocking work, never on an async worker: `run` for anything on the blocking
//! pool, `Readers::read` for the hot-path access check on the app's reader threads, `sessions` for
//! the refresh rules on the group-committing writer (argon2 has its own threads, `auth::hashing`).

use std::sync::mpsc;

use actix_web::web;

use crate::error::ApiError;
use crate::store::{Advance, SessionJob, SessionTx, SessionWork, Store, StoreResult};

mod readers;

pub use readers::{Readers, RunScope};

pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    web::block(work)
        .await
        .map_err(|_| ApiError::internal("blocking task panicked"))?
}

/// Runs synchronous store work at start-up on a plain thread and waits for
/// it: the PostgreSQL client blocks on a runtime of its own, which tokio
/// refuses on a thread that is driving one (as `build` runs inside actix's).
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(work).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Reader threads and the SQLite session writer are scheduled as batch work: woken with a job,
/// such a thread does not preempt the async worker that queued it, so the worker goes on reading
/// requests and queueing more, and the thread then serves them in one run instead of two context
/// switches per request when both share a core (measured: ~12% less CPU per `/user/me`; on the
/// writer, batches of ~25 rotations instead of ~8 and ~20% less CPU per refresh).
#[allow(unsafe_code)] // the libc call below, with its SAFETY note
pub(crate) fn batch_scheduling() {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler on this thread (0) with a valid sched_param only changes its
    // scheduling class.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
    }
}

/// Runs `work` in the session writer's next transaction; resolves once that
/// transaction has committed, so a 200 never reports a write that could be lost.
/// A writer may roll the transaction back and run `work` again before that.
/// `advance`: the one-step rotation `work` asks for first, if known (see `SessionJob::advance`).
pub async fn sessions<T, F>(
    store: &dyn Store,
    affinity: Option<u64>,
    advance: Option<Advance>,
    work: F,
) -> Result<T, ApiError>
where
    F: FnMut(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    store.submit_session_work(
        affinity,
        package(work, advance, move |outcome| {
            let _ = reply.send(outcome);
        }),
    );
    answer
        .await
        .map_err(|_| ApiError::internal("the session writer dropped a job"))?
}

/// `sessions` for code already on a blocking thread (login, after its hash).
pub fn sessions_from_blocking_thread<T, F>(
    store: &dyn Store,
    affinity: Option<u64>,
    work: F,
) -> Result<T, ApiError>
where
    F: FnMut(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = mpsc::sync_channel(1);
    store.submit_session_work(
        affinity,
        package(work, None, move |outcome| {
            let _ = reply.send(outcome);
        }),
    );
    answer
        .recv()
        .map_err(|_| ApiError::internal("the session writer dropped a job"))?
}

/// A rule's refusal (reuse detected, expired …) keeps its writes — ending a
/// family must stick; only a storage failure undoes them.
fn package<T, F>(
    work: F,
    advance: Option<Advance>,
    answer: impl FnOnce(Result<T, ApiError>) + Send + 'static,
) -> SessionWork
where
    F: FnMut(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    Box::new(Packaged {
        work,
        advance,
        outcome: None,
        answer,
    })
}

/// Rules work and its caller's answer; the outcome of the last run waits here for the commit.
struct Packaged<T, F, A> {
    work: F,
    advance: Option<Advance>,
    outcome: Option<Result<T, ApiError>>,
    answer: A,
}

impl<T, F, A> SessionJob for Packaged<T, F, A>
where
    F: FnMut(&dyn SessionTx) -> Result<T, ApiError> + Send,
    A: FnOnce(Result<T, ApiError>) + Send,
    T: Send,
{
    fn run(&mut self, tx: StoreResult<&dyn SessionTx>) -> bool {
        let outcome = tx.map_err(ApiError::from).and_then(&mut self.work);
        let keep = !matches!(
            outcome,
            Err(ApiError::Internal(_) | ApiError::Busy | ApiError::StorageFull)
        );
        self.outcome = Some(outcome);
        keep
    }

    fn answer(self: Box<Self>, committed: StoreResult<()>) {
        let outcome = self
            .outcome
            .unwrap_or_else(|| Err(ApiError::internal("a session job was answered unrun")));
        // A job's own full-disk failure names the cause of a lost batch.
        (self.answer)(match (committed, outcome) {
            (Err(_), Err(ApiError::StorageFull)) => Err(ApiError::StorageFull),
            (committed, outcome) => committed.map_err(ApiError::from).and(outcome),
        });
    }

    fn advance(&self) -> Option<&Advance> {
        self.advance.as_ref()
    }
}
