//! Opening the store and the signing key for `serve`: which comes first depends on the database,
//! and a secret the other instances do not share is a setting error (exit 2), not a failure.

use std::io::IsTerminal;

use secrecy::ExposeSecret;

use super::StartError;
use crate::config::Config;
use crate::store::postgres;
use crate::store::{Database, OpenError, Opened, SqliteStore};
use crate::{bootstrap, secret};

/// Opens the store, warns of names kept from an upgrade, and makes the
/// first admin when there is none.
pub(super) fn prepare_store(config: &Config) -> Result<(Opened, Vec<u8>), StartError> {
    let (opened, signing_key) = open_store(config)?;
    let store = opened.shared();
    bootstrap::warn_name_collisions(store.as_ref());
    let password_file = config.db.beside(bootstrap::PASSWORD_FILE);
    let reveal_in = (!std::io::stderr().is_terminal()).then_some(password_file.as_path());
    let preset = config
        .bootstrap_password
        .as_ref()
        .map(|p| p.expose_secret());
    bootstrap::ensure_admin(store.as_ref(), preset, reveal_in)?;
    Ok((opened, signing_key))
}

/// The store and the signing key. A SQLite file comes first (its directory
/// is checked before the key file beside it is made); PostgreSQL needs the
/// key first, to check it is the one every other instance uses.
fn open_store(config: &Config) -> Result<(Opened, Vec<u8>), StartError> {
    let pool = pool_size(config);
    match &config.db {
        Database::Sqlite(path) => {
            let store = SqliteStore::open_capped(path, pool, config.test_max_db_pages)
                .map_err(StartError::Database)?;
            let key = secret::load_or_create(&config.key)?;
            Ok((Opened::Sqlite(store), key))
        }
        db => {
            let key = secret::load_or_create(&config.key)?;
            let fingerprint = secret::fingerprint(&key);
            // Readers and session writers each hold a connection while they
            // wait on the network: room for all of them beside the rest.
            let pool = pool + reader_threads(db) as u32 + postgres::WRITER_THREADS as u32;
            match db.open(pool, Some(&fingerprint)) {
                Err(OpenError::OtherSecret) => Err(StartError::OtherSecret),
                opened => Ok((opened.map_err(StartError::Database)?, key)),
            }
        }
    }
}

/// Reader threads wait on the database: a SQLite read takes microseconds of
/// CPU, a PostgreSQL one a network round trip, during which more threads
/// keep the CPU busy.
pub(super) fn reader_threads(db: &Database) -> usize {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    match db {
        Database::Sqlite(_) => cpus,
        Database::Postgres(_) => cpus * 4,
    }
}

/// Enough connections for every blocking thread that may hold one, so a
/// checkout waits only under real overload.
fn pool_size(config: &Config) -> u32 {
    (config.hash_slots as u32 * 2).max(8)
}
