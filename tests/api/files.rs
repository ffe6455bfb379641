//! Files that hold secrets are owner-only from their first byte (database, `-wal`, `-shm`, backups)
//! and a signing key that others could read, or that is no key at all, stops the start with exit
//! code 2.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::process::{under_common_umask, ServerProcess};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn serve(db: &Path, secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .arg("--db")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("LATCHKEY_SECRET")
        .env("LATCHKEY_BOOTSTRAP_PASSWORD", "admin-password-1");
    if let Some(secret) = secret {
        command.env("LATCHKEY_SECRET", secret);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn the_database_its_wal_and_shm_and_the_key_are_private_under_umask_022() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let server = ServerProcess::start(&db, &[]).await;

    for path in [
        db.clone(),
        with_suffix(&db, "-wal"),
        with_suffix(&db, "-shm"),
        dir.path().join("latchkey.secret"),
    ] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    drop(server);
}

#[tokio::test]
async fn a_backup_is_private_under_umask_022() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    drop(ServerProcess::start(&db, &[]).await);
    let copy = dir.path().join("copy.db");

    let output = under_common_umask(&mut Command::new(env!("CARGO_BIN_EXE_latchkey")))
        .arg("--db")
        .arg(&db)
        .args(["backup", copy.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{output:?}");
    assert_eq!(mode(&copy), 0o600);
}

#[test]
fn a_secret_file_others_can_read_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    let secret = dir.path().join("latchkey.secret");
    std::fs::write(&secret, format!("{}\n", "0123456789abcdef".repeat(4))).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();

    let output = serve(&db, None);

    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    assert!(!db.exists(), "refused before anything is opened");
}

#[test]
#[allow(unsafe_code)] // the libc call below, with its SAFETY note
fn a_secret_file_owned_by_another_user_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    // SAFETY: geteuid cannot fail.
    let secret = if unsafe { libc::geteuid() } == 0 {
        let secret = dir.path().join("latchkey.secret");
        std::fs::write(&secret, "0123456789abcdef".repeat(4)).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&secret, Some(65534), Some(65534)).unwrap();
        secret
    } else {
        // Not root: a file root owns is another user's.
        PathBuf::from("/etc/hostname")
    };

    let output = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--secret-file"])
        .arg(&secret)
        .env_remove("LATCHKEY_SECRET")
        .output()
        .unwrap();

    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("another user") && err.contains("chmod 600"),
        "{err}"
    );
}

#[test]
fn an_inline_secret_of_one_repeated_byte_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latchkey.db");
    for secret in ["00".repeat(32), "ff".repeat(48), "/".repeat(44)] {
        let output = serve(&db, Some(&secret));

        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{secret}: {err}");
        assert!(err.contains("openssl rand -hex 32"), "{err}");
        assert!(!db.exists());
    }
}
