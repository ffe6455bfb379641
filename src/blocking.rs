//! The ways to run blocking work, never on an async worker: `run` for anything on the blocking pool (argon2, SQLite reads and one-off writes), `sessions` for the refresh rules on the group-committing writer.

use std::sync::mpsc;

use actix_web::web;

use crate::error::ApiError;
use crate::store::{SessionTx, SessionWork, Store};

pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    web::block(work)
        .await
        .map_err(|_| ApiError::internal("blocking task panicked"))?
}

/// Runs `work` in the session writer's next transaction; resolves once that
/// transaction has committed, so a 200 never reports a write that could be lost.
pub async fn sessions<T, F>(store: &dyn Store, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    store.submit_session_work(package(work, move |outcome| {
        let _ = reply.send(outcome);
    }));
    answer
        .await
        .map_err(|_| ApiError::internal("the session writer dropped a job"))?
}

/// `sessions` for code already on a blocking thread (login, after its hash).
pub fn sessions_from_blocking_thread<T, F>(store: &dyn Store, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = mpsc::sync_channel(1);
    store.submit_session_work(package(work, move |outcome| {
        let _ = reply.send(outcome);
    }));
    answer
        .recv()
        .map_err(|_| ApiError::internal("the session writer dropped a job"))?
}

/// A rule's refusal (reuse detected, expired …) keeps its writes — ending a
/// family must stick; only a storage failure undoes them.
fn package<T, F>(work: F, answer: impl FnOnce(Result<T, ApiError>) + Send + 'static) -> SessionWork
where
    F: FnOnce(&dyn SessionTx) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    Box::new(move |tx| {
        let outcome = tx.map_err(ApiError::from).and_then(work);
        let keep = !matches!(outcome, Err(ApiError::Internal(_) | ApiError::Busy));
        let reply = Box::new(move |committed: Result<(), crate::store::StoreError>| {
            answer(committed.map_err(ApiError::from).and(outcome));
        });
        (keep, reply as crate::store::SessionReply)
    })
}
