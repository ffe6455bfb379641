//! A fixed number of password-hash slots: a login flood queues briefly, then gets 503, instead of exhausting memory (19 MiB per hash).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// How long a login waits for a slot before answering 503.
const SLOT_WAIT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct HashSlots {
    slots: Arc<Semaphore>,
    total: usize,
}

impl HashSlots {
    pub fn new(total: usize) -> HashSlots {
        let total = total.max(1);
        HashSlots {
            slots: Arc::new(Semaphore::new(total)),
            total,
        }
    }

    pub async fn acquire(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Busy),
        }
    }

    pub fn in_use(&self) -> usize {
        self.total - self.slots.available_permits()
    }
}
