//! The secret's file: 32 random bytes as hex, created with mode 0600 on first start and read only
//! while it stays private to the user latchkey runs as.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rand::RngCore;

use super::SecretError;

pub(super) fn read(path: &Path) -> Result<Vec<u8>, SecretError> {
    check_private(path)?;
    let text = fs::read_to_string(path).map_err(|source| SecretError::Unreadable {
        path: path.into(),
        source,
    })?;
    let key = hex::decode(text.trim()).map_err(|_| SecretError::NotHex { path: path.into() })?;
    if key.len() < 32 {
        return Err(SecretError::TooShort {
            path: path.into(),
            bytes: key.len(),
        });
    }
    Ok(key)
}

/// A key that another user can read, or that another user could swap, signs
/// nothing: refused, with the command that fixes it.
pub fn check_private(path: &Path) -> Result<(), SecretError> {
    let meta = fs::metadata(path).map_err(|source| SecretError::Unreadable {
        path: path.into(),
        source,
    })?;
    if meta.uid() != current_uid() {
        return Err(SecretError::OtherOwner { path: path.into() });
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(SecretError::Readable { path: path.into() });
    }
    Ok(())
}

#[allow(unsafe_code)] // the libc call below, with its SAFETY note
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

pub(super) fn create(path: &Path) -> Result<Vec<u8>, SecretError> {
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| SecretError::Uncreatable {
            path: path.into(),
            source,
        })?;
    file.write_all(format!("{}\n", hex::encode(&key)).as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|source| SecretError::Unwritable {
            path: path.into(),
            source,
        })?;
    tracing::info!(file = %path.display(), "generated a new signing key");
    Ok(key)
}
