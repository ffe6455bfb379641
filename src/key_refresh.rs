//! Signing keys at start (with EdDSA the first key is made; with HS256 signing keys stop) and every
//! second after: the ring is rebuilt from the store, so a key rotated or revoked by the CLI or
//! another instance takes effect, and `--key-rotation` is applied. Between two rebuilds, the job
//! that makes a grant reads the signer's row: a key revoked since the last rebuild signs nothing,
//! the ring is rebuilt before the token is signed.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::auth::jwt::TokenKeys;
use crate::auth::signing::ring::{self, Ring};
use crate::auth::signing::KeySealer;
use crate::blocking;
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{SessionTx, Store, StoreResult, StoredKey};

const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// The JWT leeway: a retiring key stays published this much longer.
const LEEWAY_MS: i64 = 30_000;

pub struct KeySettings {
    pub sealer: KeySealer,
    pub eddsa: bool,
    /// Zero: no automatic rotation.
    pub rotation_ms: i64,
    pub token_life_ms: i64,
}

impl KeySettings {
    pub fn new(secret: &[u8], eddsa: bool, rotation: Duration, ttl: Duration) -> KeySettings {
        KeySettings {
            sealer: KeySealer::new(secret),
            eddsa,
            rotation_ms: rotation.as_millis() as i64,
            token_life_ms: ttl.as_millis() as i64 + LEEWAY_MS,
        }
    }
}

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
    rebuild(&keys, tokens, settings, now);
    Ok(())
}

fn rebuild(keys: &[StoredKey], tokens: &TokenKeys, settings: &KeySettings, now: i64) {
    let life = settings.token_life_ms;
    tokens.set_ring(Ring::build(
        keys,
        &settings.sealer,
        now,
        life,
        settings.eddsa,
    ));
}

/// In the job that makes a grant, after it: whether the key the ring signs
/// with (EdDSA) was revoked since the ring was built. One primary-key read
/// in the job's transaction; an HS256 token has no key to check.
pub fn signer_revoked(tx: &dyn SessionTx, tokens: &TokenKeys) -> Result<bool, ApiError> {
    match tokens.signing_kid() {
        Some(kid) => Ok(tx.signing_key_revoked(&kid)?),
        None => Ok(false),
    }
}

/// Rebuilds the ring now (no rotation: that stays with the timer), for a
/// grant whose signer was revoked: its token is signed by the next key.
pub async fn rebuild_now(state: &web::Data<AppState>) -> Result<(), ApiError> {
    let state = state.clone();
    blocking::run(move || {
        let keys = state.store.signing_keys()?;
        rebuild(&keys, &state.tokens, &state.key_settings, clock::now_ms());
        Ok(())
    })
    .await
}

pub fn spawn(state: web::Data<AppState>, settings: Arc<KeySettings>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REFRESH_EVERY);
        loop {
            ticks.tick().await;
            let (state, settings) = (state.clone(), settings.clone());
            let done =
                blocking::run(move || Ok(refresh(state.store.as_ref(), &state.tokens, &settings)?));
            if let Err(e) = done.await {
                tracing::warn!(error = %e, "signing keys not refreshed");
            }
        }
    });
}
