//! The one way to run blocking work (argon2, SQLite): on the blocking thread pool, never on an async worker.

use actix_web::web;

use crate::error::ApiError;

pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    web::block(work)
        .await
        .map_err(|_| ApiError::internal("blocking task panicked"))?
}
