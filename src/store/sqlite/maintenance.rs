//! Operator tasks on the database file: look at it without changing it (`check-config`, in
//! `inspect`), and copy it while the server runs (`backup`) with SQLite's online backup API.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, SCHEMA_VERSION};
use crate::store::BackupError;

pub use super::inspect::{inspect, Inspection};

/// The schema version this binary writes; an older file is upgraded by `serve`.
pub const KNOWN_SCHEMA_VERSION: i64 = SCHEMA_VERSION;

/// Pages copied per backup step (4 MiB at the default page size).
const PAGES_PER_STEP: i32 = 1024;

/// Copies the database at `from` to `to`, consistent as of the moment it
/// starts, while others keep writing: one read transaction holds the
/// snapshot (in WAL mode it blocks no writer), and the copy goes to a
/// temporary file that is renamed into place only once complete.
/// `progress(copied, total)` is called after each step, in pages.
pub fn backup(
    from: &Path,
    to: &Path,
    mut progress: impl FnMut(i32, i32),
) -> Result<(), BackupError> {
    let source = open_read_only(from).map_err(|source| BackupError::Unopened {
        path: from.into(),
        source,
    })?;
    source
        .execute_batch("BEGIN; SELECT COUNT(*) FROM sqlite_schema;")
        .map_err(|source| BackupError::Unread {
            path: from.into(),
            source,
        })?;
    let partial = partial_path(to);
    let copied = copy(&source, &partial, &mut progress);
    let _ = source.execute_batch("COMMIT");
    match copied.and_then(|()| std::fs::rename(&partial, to).map_err(BackupError::Move)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Read-only, and waiting for the server's locks from the first statement on.
pub(super) fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

fn copy(
    source: &Connection,
    to: &Path,
    progress: &mut impl FnMut(i32, i32),
) -> Result<(), BackupError> {
    create_private(to, true).map_err(|source| BackupError::CreateFile {
        path: to.into(),
        source,
    })?;
    let mut dest = Connection::open(to).map_err(|source| BackupError::CreateDatabase {
        path: to.into(),
        source,
    })?;
    {
        let backup = Backup::new(source, &mut dest).map_err(BackupError::Copy)?;
        loop {
            let step = backup.step(PAGES_PER_STEP).map_err(BackupError::Copy)?;
            let p = backup.progress();
            progress(p.pagecount - p.remaining, p.pagecount);
            match step {
                StepResult::Done => break,
                StepResult::More => {}
                // Only a writer on the *destination* could cause these.
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
    let finish = |source| BackupError::Finish {
        path: to.into(),
        source,
    };
    // A single self-contained file: no -wal beside it to forget.
    dest.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(finish)?;
    dest.close().map_err(|(_, e)| finish(e))
}

/// Creates `path` as an empty owner-only file before SQLite opens it: the
/// file holds password hashes, and SQLite gives its `-wal`, `-shm` and
/// `-journal` files the database file's mode, so all are 0600 from their
/// first byte whatever the umask. `truncate` empties a stale file (a
/// backup's partial copy); otherwise an existing file is left as it is.
pub(super) fn create_private(path: &Path, truncate: bool) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(truncate)
        .mode(0o600)
        .open(path)?;
    if truncate {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    to.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many steps while another connection keeps committing: the copy is
    /// the snapshot of its start, whole, and the backup does not restart
    /// forever.
    #[test]
    fn a_backup_in_steps_is_a_consistent_snapshot_while_writes_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let conn = Connection::open(&from).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO t SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = std::thread::spawn({
            let stop = stop.clone();
            move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    conn.execute("INSERT INTO t VALUES (randomblob(100))", [])
                        .unwrap();
                }
            }
        });
        let mut steps = 0;
        backup(&from, &to, |_, _| steps += 1).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        writer.join().unwrap();

        let copy = Connection::open(&to).unwrap();
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        let rows: i64 = copy
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        assert!(steps > 1, "{steps} step(s)");
        assert!(rows >= 3000, "{rows}");
    }

    /// Under the common umask 022 every file of a backup in progress (the
    /// partial copy, its journal) is already owner-only at each step.
    #[test]
    #[allow(unsafe_code)] // the libc call below, with its SAFETY note
    fn a_backup_in_progress_is_owner_only_at_every_step() {
        // SAFETY: umask only changes the mode of files created after it.
        unsafe { libc::umask(0o022) };
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a.db"), dir.path().join("b.db"));
        Connection::open(&from)
            .unwrap()
            .execute_batch(
                "CREATE TABLE t (x BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                 INSERT INTO t SELECT randomblob(4000) FROM n;",
            )
            .unwrap();
        let mut seen = Vec::new();
        backup(&from, &to, |_, _| {
            for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.contains("partial") {
                    let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                    seen.push((name, mode));
                }
            }
        })
        .unwrap();

        assert!(!seen.is_empty(), "the partial copy was seen");
        assert!(seen.iter().all(|(_, mode)| *mode == 0o600), "{seen:?}");
    }
}
