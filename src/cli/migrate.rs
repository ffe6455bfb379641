//! `latchkey migrate --from FILE --to URL`: copies a SQLite database into an empty PostgreSQL one,
//! all or nothing, keeping ids, hashes and the secret's fingerprint so sessions live on.

use std::path::PathBuf;

use clap::Args;

use super::CommandError;
use crate::secret::{self, KeySource};
use crate::store::postgres::import::import;
use crate::store::{Database, SqliteExport, SqliteStore};

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The SQLite database to copy (it is only read).
    #[arg(long)]
    pub from: PathBuf,
    /// The PostgreSQL database to fill: postgres://user:password@host/db (it must be empty).
    #[arg(long, hide_env_values = true)]
    pub to: String,
}

pub(super) fn run(args: MigrateArgs) -> Result<(), CommandError> {
    let source = Database::Sqlite(args.from.clone());
    if !args.from.is_file() {
        return Err(CommandError::NoMigrateSource(source));
    }
    let fingerprint = secret::fingerprint(&source_secret(&source)?);
    // An older file is upgraded in place first, as every command does, so
    // the copy reads the current schema.
    drop(SqliteStore::open(&args.from, 1)?);
    let mut export = SqliteExport::open(&args.from)?;
    let copied = import(
        &args.to,
        &fingerprint,
        &mut export,
        &mut |table, done, total| eprintln!("{table}: {done} of {total} rows copied"),
    )?;
    let target = Database::Postgres(args.to.into());
    println!("copied {source} into {target}:");
    for (table, rows) in copied {
        println!("  {table:<20} {rows:>10} rows");
    }
    Ok(())
}

/// The secret the SQLite instance signed with: tokens, refresh ids and
/// sealed second factors only carry over under it. Never made up here: a
/// new one would silently end every session.
fn source_secret(source: &Database) -> Result<Vec<u8>, CommandError> {
    let key = crate::config::key_source(source)?;
    if let KeySource::File(path) = &key {
        if !path.exists() {
            return Err(CommandError::NoMigrateSecret(path.clone()));
        }
    }
    Ok(secret::load_or_create(&key)?)
}
