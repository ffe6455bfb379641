//! `latchkey backup PATH`: a consistent copy of the database while the server runs, never over an
//! existing file unless `--force`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::CommandError;
use crate::store::maintenance;

/// Databases above this many pages (about 64 MiB) report progress.
const PROGRESS_ABOVE_PAGES: i32 = 16_384;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the copy.
    pub path: PathBuf,
    /// Replace PATH if it exists.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(db: &Path, args: BackupArgs) -> Result<(), CommandError> {
    if !db.is_file() {
        return Err(CommandError::NoBackupSource(db.into()));
    }
    if args.path.exists() && !args.force {
        return Err(CommandError::BackupExists(args.path));
    }
    let mut last_shown = -1;
    maintenance::backup(db, &args.path, |copied, total| {
        if total > PROGRESS_ABOVE_PAGES {
            let percent = i64::from(copied) * 100 / i64::from(total.max(1));
            if percent as i32 != last_shown {
                last_shown = percent as i32;
                eprint!("\rcopied {percent}%");
                let _ = std::io::stderr().flush();
            }
        }
    })?;
    if last_shown >= 0 {
        eprintln!();
    }
    println!("backed up {} to {}", db.display(), args.path.display());
    Ok(())
}
