//! What an access token says: its claims, shared by the code that signs and verifies tokens and
//! the cache of tokens already verified; it depends on neither.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub jti: String,
    pub sid: String,
    pub admin: bool,
    /// The user's groups when the token was issued (login or refresh);
    /// latchkey's own checks read the database instead.
    #[serde(default)]
    pub groups: Vec<String>,
    /// How the session's login authenticated (RFC 8176): `["pwd"]`, or
    /// `["pwd","otp"]` after a second factor. Absent from tokens issued
    /// before it existed.
    #[serde(default)]
    pub amr: Vec<String>,
    /// The EdDSA key that signed it (from the header; not a claim).
    #[serde(skip)]
    pub kid: Option<String>,
}
