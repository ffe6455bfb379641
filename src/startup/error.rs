//! Why the server did not start, in one line that says what to fix: a secret the other instances
//! do not share is a setting (exit 2, as a bad flag is), anything else a failure (exit 1).

use std::io;
use std::net::SocketAddr;

use crate::audit::WriterNotStarted;
use crate::bootstrap::BootstrapError;
use crate::store::postgres::OTHER_SECRET;
use crate::store::{OpenError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database was set up with another signing secret: a setting, exit 2.
    #[error("{OTHER_SECRET}")]
    OtherSecret,
    /// Opening or upgrading the database (the store says why).
    #[error(transparent)]
    Database(OpenError),
    /// Reading or making the signing key (the key file says why).
    #[error(transparent)]
    Key(#[from] crate::secret::SecretError),
    /// The access tokens' keys (the token rules say why).
    #[error(transparent)]
    Tokens(#[from] crate::auth::jwt::TokenError),
    #[error("signing keys: {0}")]
    SigningKeys(#[source] StoreError),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error(transparent)]
    AuditWriter(#[from] WriterNotStarted),
    #[error("cannot listen on {bind}: {cause}; pick another {flag}")]
    Listen {
        bind: SocketAddr,
        flag: &'static str,
        #[source]
        cause: io::Error,
    },
    #[error(transparent)]
    Serve(#[from] io::Error),
    /// Passkeys' relying party settings the library refuses (config checks
    /// them first, so this names what it saw).
    #[error("passkeys: the relying party id `{rp_id}` does not fit the origin {origin}: set --webauthn-rp-id or --public-url")]
    Passkeys { rp_id: String, origin: String },
}
