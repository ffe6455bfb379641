//! `latchkey migrate --from FILE --to URL`: copies a SQLite database into an empty PostgreSQL one.

use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The SQLite database to copy (it is only read).
    #[arg(long)]
    pub from: PathBuf,
    /// The PostgreSQL database to fill: postgres://user:password@host/db (it must be empty).
    #[arg(long, hide_env_values = true)]
    pub to: String,
}

pub(super) fn run(_args: MigrateArgs) -> Result<(), String> {
    Err("migrate is being written".into())
}
