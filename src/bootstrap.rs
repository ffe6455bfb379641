//! First start: a database without an enabled admin gets the user `admin`, with a random password
//! (or `LATCHKEY_BOOTSTRAP_PASSWORD`). A generated password never reaches a log that is not a
//! terminal: it goes into a 0600 file beside the database, deleted at the admin's first password
//! change.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

use crate::auth::password::{self, HashError};
use crate::clock;
use crate::domain::{NewPassword, PasswordError};
use crate::store::{NewUser, Store, StoreError};

/// Why the first admin could not be made; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("LATCHKEY_BOOTSTRAP_PASSWORD: {0}")]
    Preset(#[source] PasswordError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("cannot replace {}: {cause}", .file.display())]
    ReplaceFile {
        file: PathBuf,
        #[source]
        cause: std::io::Error,
    },
    #[error("cannot write the admin password to {}: {cause}", .file.display())]
    WriteFile {
        file: PathBuf,
        #[source]
        cause: std::io::Error,
    },
}

/// Users kept from before names were unique under case folding (schema
/// version 8): one warning per collision at every start, naming the users by
/// id, until an operator deletes or renames one of them.
pub fn warn_name_collisions(store: &dyn Store) {
    let collisions = match store.name_collisions() {
        Ok(found) => found,
        Err(e) => return tracing::warn!(error = %e, "could not check usernames for collisions"),
    };
    for kept in collisions {
        let other = match &kept.held_by {
            Some((id, name)) => format!("user {id} ({name})"),
            None => "a deleted user".to_string(),
        };
        tracing::warn!(
            "user {} ({}) has the same name as {other} under the username rules (Unicode case folding); \
             it still logs in, by its exact name only: rename one of them (`latchkey user rename OLD NEW`)",
            kept.id,
            kept.username,
        );
    }
}

/// The file, beside the database, a generated password is written to when
/// the log is not a terminal.
pub const PASSWORD_FILE: &str = "latchkey.bootstrap-password";

/// Deletes the password file once the admin's password has changed: the
/// password in it no longer works, and the file must not outlive it.
pub fn forget_password(username: &str, file: &Path) {
    if username != "admin" {
        return;
    }
    match std::fs::remove_file(file) {
        Ok(()) => tracing::info!(file = %file.display(), "deleted the bootstrap password file"),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(file = %file.display(), "cannot delete the bootstrap password file: {e}")
        }
    }
}

/// `reveal_in` is the password file when standard error is not a terminal,
/// `None` to print a generated password in the log.
pub fn ensure_admin(
    store: &dyn Store,
    preset: Option<&str>,
    reveal_in: Option<&Path>,
) -> Result<(), BootstrapError> {
    if store.has_enabled_admin()? {
        return Ok(());
    }
    let (password, generated) = choose(preset)?;
    let user = NewUser {
        username: "admin".into(),
        password_hash: password::hash(&password)?,
        admin: true,
        ..NewUser::default()
    };
    // Written before the user exists: a file that cannot be written leaves no
    // admin whose password nobody knows.
    let file = reveal_in.filter(|_| generated);
    if let Some(file) = file {
        write_password(file, &password)?;
    }
    let inserted = store.insert_user(&user, clock::now_ms());
    if inserted.is_err() {
        if let Some(file) = file {
            let _ = std::fs::remove_file(file);
        }
    }
    match inserted {
        Ok(_) => {
            announce(generated, file, &password);
            Ok(())
        }
        Err(StoreError::Conflict(_)) => {
            tracing::warn!("no enabled admin exists and the name `admin` is taken; add one with `latchkey user add NAME --admin`");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The preset password, or a random one (`true`: generated).
fn choose(preset: Option<&str>) -> Result<(NewPassword, bool), BootstrapError> {
    match preset {
        Some(text) => Ok((
            NewPassword::parse(text).map_err(BootstrapError::Preset)?,
            false,
        )),
        None => {
            let mut bytes = [0u8; 18];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let password = NewPassword::parse(&URL_SAFE_NO_PAD.encode(bytes));
            Ok((password.expect("24 characters"), true))
        }
    }
}

fn announce(generated: bool, file: Option<&Path>, password: &NewPassword) {
    match (generated, file) {
        (true, Some(file)) => tracing::warn!(
            "created the admin user `admin`; its password is in {} (deleted when the password is first changed)",
            file.display()
        ),
        (true, None) => tracing::warn!(
            "created the admin user `admin` with password {} (shown once; change it with `latchkey user passwd admin`)",
            password.expose()
        ),
        (false, _) => tracing::info!(
            "created the admin user `admin` with the password from LATCHKEY_BOOTSTRAP_PASSWORD"
        ),
    }
}

/// Mode 0600 from creation on: the password is never readable by others,
/// not even for a moment. A stale file from an earlier database is replaced.
fn write_password(file: &Path, password: &NewPassword) -> Result<(), BootstrapError> {
    match std::fs::remove_file(file) {
        Err(cause) if cause.kind() != ErrorKind::NotFound => {
            return Err(BootstrapError::ReplaceFile {
                file: file.into(),
                cause,
            });
        }
        _ => {}
    }
    let cannot_write = |cause| BootstrapError::WriteFile {
        file: file.into(),
        cause,
    };
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(cannot_write)?;
    writeln!(out, "{}", password.expose())
        .and_then(|()| out.sync_all())
        .map_err(cannot_write)
}
