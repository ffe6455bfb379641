//! The server's background clean-up, once a minute: dead sessions and orphaned refresh ids, old
//! audit events, expired login second steps and the shared throttle's old counters, each in small
//! batches so no statement holds a lock for long (on PostgreSQL one instance at a time does each).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::throttle::LoginThrottle;
use crate::error::ApiError;
use crate::store::Store;
use crate::{blocking, clock};

const SWEEP_EVERY: Duration = Duration::from_secs(60);
const SWEEP_BATCH: usize = 500;

/// Deletes expired and ended sessions in small batches, so no sweep holds
/// the write lock for long.
pub fn spawn(store: Arc<dyn Store>, throttle: Arc<LoginThrottle>, audit_retention: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        loop {
            ticks.tick().await;
            loop {
                let store = store.clone();
                match blocking::run(move || Ok(store.sweep(clock::now_ms(), SWEEP_BATCH)?)).await {
                    Ok(swept) if swept.was_full(SWEEP_BATCH) => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "session sweep failed");
                        break;
                    }
                }
            }
            prune_audit(&store, audit_retention).await;
            forget_login_attempts(&throttle).await;
            sweep_pending_steps(&store).await;
        }
    });
}

/// Deletes the shared throttle's counters that no longer count.
async fn forget_login_attempts(throttle: &Arc<LoginThrottle>) {
    let throttle = throttle.clone();
    let forgotten =
        blocking::run(move || throttle.forget_old_attempts().map_err(ApiError::internal)).await;
    if let Err(e) = forgotten {
        tracing::warn!(error = %e, "forgetting old login attempts failed");
    }
}

/// Deletes expired login second steps and passkey ceremonies, a batch per statement.
async fn sweep_pending_steps(store: &Arc<dyn Store>) {
    let store = store.clone();
    let swept = blocking::run(move || {
        while store.sweep_mfa_tokens(clock::now_ms(), SWEEP_BATCH)? == SWEEP_BATCH {}
        while store.sweep_passkey_challenges(clock::now_ms(), SWEEP_BATCH)? == SWEEP_BATCH {}
        Ok(())
    })
    .await;
    if let Err(e) = swept {
        tracing::warn!(error = %e, "sweeping expired login steps and passkey challenges failed");
    }
}

/// Deletes audit events older than the retention, a batch per statement so
/// the write lock is released between batches.
async fn prune_audit(store: &Arc<dyn Store>, retention: Duration) {
    let store = store.clone();
    let before = clock::now_ms().saturating_sub(clock::ms(retention));
    let pruned = blocking::run(move || {
        while store.prune_audit(before, SWEEP_BATCH)? == SWEEP_BATCH {}
        Ok(())
    })
    .await;
    if let Err(e) = pruned {
        tracing::warn!(error = %e, "audit pruning failed");
    }
}
