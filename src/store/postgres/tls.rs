//! TLS to the database, used when the URL asks for it (`sslmode=require`; `prefer`, the default,
//! tries it): rustls, trusting the system's certificate authorities, so the server's certificate is
//! always verified.

use std::sync::Arc;

use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::OpenError;

pub(super) fn connector() -> Result<MakeRustlsConnect, OpenError> {
    let mut roots = rustls::RootCertStore::empty();
    // A missing or unreadable system store leaves TLS with no trusted CA:
    // a TLS connection then fails with a message, a plain one still works.
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(OpenError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}
