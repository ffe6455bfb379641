//! The signing secret every other key is derived from: given inline (`LATCHKEY_SECRET`) or kept in
//! a 0600 hex file made on first start (there is no built-in one), and `derive`, which gives each
//! purpose a key of its own. It depends on no setting: `config` chooses the source, this loads it.

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

mod file;

pub use file::check_private;

/// Where the signing secret comes from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// `LATCHKEY_SECRET`: the key itself; no file is read or written.
    Inline(SecretSlice<u8>),
    /// A file holding the key as hex, created on first start.
    File(PathBuf),
}

/// Why the secret file cannot be used; each says what fixes it.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret file {}: {source}", .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret file {} must hold the key as hex; delete it to generate a new one", .path.display())]
    NotHex { path: PathBuf },
    #[error("secret file {} holds {bytes} bytes; it needs at least 32", .path.display())]
    TooShort { path: PathBuf, bytes: usize },
    #[error("secret file {} is owned by another user; chown it to the user latchkey runs as and chmod 600 it", .path.display())]
    OtherOwner { path: PathBuf },
    #[error("secret file {} can be read by other users; run `chmod 600 {}`", .path.display(), .path.display())]
    Readable { path: PathBuf },
    #[error("cannot create secret file {}: {source}; check the directory or set --secret-file", .path.display())]
    Uncreatable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write secret file {}: {source}", .path.display())]
    Unwritable {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub fn load_or_create(source: &KeySource) -> Result<Vec<u8>, SecretError> {
    match source {
        KeySource::Inline(bytes) => Ok(bytes.expose_secret().to_vec()),
        KeySource::File(path) if path.exists() => file::read(path),
        KeySource::File(path) => file::create(path),
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

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

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

    /// The texts an operator reads, each naming the file and the fix.
    #[test]
    fn an_unusable_file_is_refused_with_what_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.secret");
        let refusal = |text: &str, mode: u32| {
            fs::write(&path, text).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            load_or_create(&KeySource::File(path.clone()))
                .unwrap_err()
                .to_string()
        };
        let shown = path.display();
        assert_eq!(
            refusal(&"ab".repeat(32), 0o644),
            format!("secret file {shown} can be read by other users; run `chmod 600 {shown}`")
        );
        assert_eq!(
            refusal("not hex", 0o600),
            format!(
                "secret file {shown} must hold the key as hex; delete it to generate a new one"
            )
        );
        assert_eq!(
            refusal("abcd", 0o600),
            format!("secret file {shown} holds 2 bytes; it needs at least 32")
        );
    }
}
