//! Signing keys at start (with EdDSA the first key is made; with HS256 signing keys stop) and every
//! second after: the ring is rebuilt from the store, so a key rotated or revoked by the CLI or
//! another instance takes effect, and `--key-rotation` is applied. Between two rebuilds, the job
//! that makes a grant reads the signer's row (`TokenKeys::signer_revoked`): a key revoked since
//! the last rebuild signs nothing, the ring is rebuilt (`rebuild_now`) before the token is signed.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::jwt::TokenKeys;
use crate::auth::signing::ring::{self, KeySettings, Ring};
use crate::blocking;
use crate::clock;
use crate::error::ApiError;
use crate::store::{Store, StoreResult};

const REFRESH_EVERY: Duration = Duration::from_secs(1);

pub fn start(store: &dyn Store, tokens: &TokenKeys, settings: &KeySettings) -> StoreResult<()> {
    let keys = store.signing_keys()?;
    let (added, changed) = ring::on_start(&keys, &settings.sealer, clock::now_ms(), settings.eddsa);
    if !added.is_empty() || !changed.is_empty() {
        store.save_signing_keys(&added, &changed)?;
    }
    refresh(store, tokens, settings)
}

fn refresh(store: &dyn Store, tokens: &TokenKeys, settings: &KeySettings) -> StoreResult<()> {
    let now = clock::now_ms();
    let mut keys = store.signing_keys()?;
    if settings.eddsa && settings.rotation_ms > 0 {
        if let Some(new) = ring::due_rotation(&keys, &settings.sealer, now, settings.rotation_ms) {
            tracing::info!(kid = %new.kid, "rotated the signing key (--key-rotation)");
            store.save_signing_keys(&[new], &[])?;
            keys = store.signing_keys()?;
        }
    }
    tokens.set_ring(Ring::build(&keys, settings, now));
    Ok(())
}

/// Rebuilds the ring now (no rotation: that stays with the timer), for a
/// grant whose signer was revoked: its token is signed by the next key.
pub async fn rebuild_now(
    store: Arc<dyn Store>,
    tokens: Arc<TokenKeys>,
    settings: Arc<KeySettings>,
) -> Result<(), ApiError> {
    blocking::run(move || {
        let keys = store.signing_keys()?;
        tokens.set_ring(Ring::build(&keys, &settings, clock::now_ms()));
        Ok(())
    })
    .await
}

pub fn spawn(store: Arc<dyn Store>, tokens: Arc<TokenKeys>, settings: Arc<KeySettings>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REFRESH_EVERY);
        loop {
            ticks.tick().await;
            let (store, tokens, settings) = (store.clone(), tokens.clone(), settings.clone());
            let done = blocking::run(move || Ok(refresh(store.as_ref(), &tokens, &settings)?));
            if let Err(e) = done.await {
                tracing::warn!(error = %e, "signing keys not refreshed");
            }
        }
    });
}
