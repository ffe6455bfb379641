//! The signing key: from `LATCHKEY_SECRET`, or a hex file (mode 0600) created on first start. There
//! is no built-in key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use secrecy::ExposeSecret;

use crate::config::KeySource;

pub fn load_or_create(source: &KeySource) -> Result<Vec<u8>, String> {
    match source {
        KeySource::Inline(bytes) => Ok(bytes.expose_secret().to_vec()),
        KeySource::File(path) if path.exists() => read(path),
        KeySource::File(path) => create(path),
    }
}

/// A key for one purpose, named by `label`: HMAC-SHA256(key, label), so no
/// two purposes share bytes and none reveals the key. (Not HKDF: its output
/// differs, and every key derived so far seals stored data — TOTP secrets,
/// signing keys, recovery-code hashes — that must keep opening.)
pub fn derive(key: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// What a shared database remembers of the key, so an instance started with
/// another key is refused: a derived key, from which the key cannot be
/// recovered.
pub fn fingerprint(signing_key: &[u8]) -> [u8; 32] {
    derive(signing_key, b"latchkey secret fingerprint v1")
}

/// The key for the refresh-id chain, derived so it never equals the JWT key.
pub fn chain_key(signing_key: &[u8]) -> [u8; 32] {
    derive(signing_key, b"latchkey refresh-chain v1")
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    check_private(path)?;
    let shown = path.display();
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read secret file {shown}: {e}"))?;
    let key = hex::decode(text.trim()).map_err(|_| {
        format!("secret file {shown} must hold the key as hex; delete it to generate a new one")
    })?;
    if key.len() < 32 {
        return Err(format!(
            "secret file {shown} holds {} bytes; it needs at least 32",
            key.len()
        ));
    }
    Ok(key)
}

/// A key that another user can read, or that another user could swap, signs
/// nothing: refused, with the command that fixes it.
pub fn check_private(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("cannot read secret file {shown}: {e}"))?;
    if meta.uid() != current_uid() {
        return Err(format!(
            "secret file {shown} is owned by another user; chown it to the user latchkey runs as and chmod 600 it"
        ));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "secret file {shown} can be read by other users; run `chmod 600 {shown}`"
        ));
    }
    Ok(())
}

#[allow(unsafe_code)] // the libc call below, with its SAFETY note
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn create(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            format!(
                "cannot create secret file {shown}: {e}; check the directory or set --secret-file"
            )
        })?;
    file.write_all(format!("{}\n", hex::encode(&key)).as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write secret file {shown}: {e}"))?;
    tracing::info!(file = %shown, "generated a new signing key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.secret");
        let created = load_or_create(&KeySource::File(path.clone())).unwrap();
        assert_eq!(created.len(), 32);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(load_or_create(&KeySource::File(path)).unwrap(), created);
        assert_ne!(chain_key(&created).to_vec(), created);
    }
}
