//! `GET /admin/keys`: the signing keys as `latchkey keys list` shows them, newest first. Which key
//! does what is `keyring`'s rule, asked here and never re-derived; no private half leaves the
//! store.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::auth::extract::Admin;
use crate::auth::signing::keyring;
use crate::error::ApiError;
use crate::openapi::AdminOnly;
use crate::state::AppState;
use crate::store::StoredKey;
use crate::{blocking, clock};

/// One signing key; a date that does not exist for it is `null`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyRecord {
    /// The key id that tokens and the JWKS carry.
    pub kid: String,
    /// Always `EdDSA` (Ed25519): HS256 uses no stored key.
    #[schema(example = "EdDSA")]
    pub alg: &'static str,
    /// `next` (published, not yet signing), `signing`, `retiring` (published until its last
    /// token expires, then dropped from the JWKS) or `revoked`.
    #[schema(pattern = "^(next|signing|retiring|revoked)$", example = "signing")]
    pub state: &'static str,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it signs (or signed) from.
    #[schema(format = DateTime)]
    pub signs_from: String,
    /// When it stops (or stopped) signing: for a retiring key, when it stopped; for the signing
    /// key, when the `next` key takes over. `null` for a signing key with no `next` key, a `next`
    /// key, and a revoked key.
    #[schema(format = DateTime, required = true)]
    pub retires_at: Option<String>,
    /// When it was revoked; `null` unless revoked.
    #[schema(format = DateTime, required = true)]
    pub revoked_at: Option<String>,
}

impl KeyRecord {
    fn new(keys: &[StoredKey], key: &StoredKey, now: i64) -> KeyRecord {
        KeyRecord {
            kid: key.kid.clone(),
            alg: "EdDSA",
            state: keyring::state(keys, key, now).word(),
            created_at: clock::rfc3339(key.created_at),
            signs_from: clock::rfc3339(key.signs_from),
            retires_at: keyring::retires_at(keys, key, now).map(clock::rfc3339),
            revoked_at: key.revoked_at.map(clock::rfc3339),
        }
    }
}

#[utoipa::path(get, path = "/admin/keys", tag = "admin", operation_id = "list_signing_keys",
    summary = "The signing keys",
    description = "Every stored EdDSA signing key, newest first, with the state word and dates \
        `latchkey keys list` prints. Empty when no key was ever made (HS256 only).",
    security(("OAuth2PasswordBearer" = [])),
    responses((status = 200, description = "One entry per key", body = Vec<KeyRecord>), AdminOnly))]
pub async fn list(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let keys = blocking::run(move || Ok(store.signing_keys()?)).await?;
    let now = clock::now_ms();
    let mut newest_first: Vec<&StoredKey> = keys.iter().collect();
    newest_first.sort_by_key(|k| std::cmp::Reverse((k.created_at, k.signs_from)));
    let records: Vec<KeyRecord> = newest_first
        .into_iter()
        .map(|key| KeyRecord::new(&keys, key, now))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(records))
}
