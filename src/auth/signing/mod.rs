//! Ed25519 signing keys: made and sealed (seal), which key does what by its dates (keyring), the
//! live set the server signs and verifies with (ring), and the public keys as JWKs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::store::StoredKey;

pub mod keyring;
pub mod ring;
mod seal;

pub use seal::KeySealer;

/// The JWKS body.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key (RFC 8037).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Jwk {
    #[schema(example = "OKP")]
    kty: &'static str,
    #[schema(example = "Ed25519")]
    crv: &'static str,
    /// The public key, base64url.
    x: String,
    kid: String,
    #[schema(example = "sig")]
    r#use: &'static str,
    #[schema(example = "EdDSA")]
    alg: &'static str,
}

/// The key as an RFC 7517 JWK (RFC 8037 for OKP).
pub fn jwk(key: &StoredKey) -> Jwk {
    Jwk {
        kty: "OKP",
        crv: "Ed25519",
        x: URL_SAFE_NO_PAD.encode(&key.public_key),
        kid: key.kid.clone(),
        r#use: "sig",
        alg: "EdDSA",
    }
}
