//! The PostgreSQL schema and its upgrades: applied in one transaction that first takes an advisory
//! lock, so of several instances starting at once one applies it and the others wait, then find it
//! done. The same transaction checks the signing secret's fingerprint.

use postgres::Client;

use crate::store::{OpenError, StoreError};

const SCHEMA: &str = include_str!("../../../schema.postgres.sql");
pub const SCHEMA_VERSION: i32 = 7;

/// latchkey's advisory locks are pairs whose first number is this (any
/// number no other program on the database uses).
pub(super) const LOCK_SPACE: i32 = 0x6c61_7463;
/// The advisory lock every schema change takes.
const SCHEMA_LOCK: (i32, i32) = (LOCK_SPACE, 1);

/// Names the fingerprint's row in `latchkey_meta`.
const FINGERPRINT: &str = "secret_fingerprint";

pub(super) fn migrate(client: &mut Client, fingerprint: Option<&[u8]>) -> Result<(), OpenError> {
    let explain = |e: postgres::Error| OpenError::PostgresSchema(StoreError::from(e));
    let mut tx = client.transaction().map_err(explain)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&SCHEMA_LOCK.0, &SCHEMA_LOCK.1],
    )
    .map_err(explain)?;
    let version = version(&mut tx).map_err(explain)?;
    if version > SCHEMA_VERSION {
        return Err(OpenError::PostgresTooNew(version));
    }
    if version < SCHEMA_VERSION {
        tx.batch_execute(SCHEMA).map_err(explain)?;
        tx.execute("DELETE FROM latchkey_schema", &[])
            .map_err(explain)?;
        tx.execute(
            "INSERT INTO latchkey_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .map_err(explain)?;
    }
    if let Some(fingerprint) = fingerprint {
        agree_on_secret(&mut tx, fingerprint).map_err(|e| match e {
            Disagree::Store(e) => explain(e),
            Disagree::OtherSecret => OpenError::OtherSecret,
        })?;
    }
    tx.commit().map_err(explain)
}

/// The refusal of an instance whose secret is not the database's (the
/// caller exits 2 on it).
pub const OTHER_SECRET: &str = "this database was set up with another signing secret: give every instance the same LATCHKEY_SECRET or --secret-file (changing the secret of an existing database is not supported)";

/// The schema version, 0 for an empty database.
pub(super) fn version(tx: &mut postgres::Transaction) -> Result<i32, postgres::Error> {
    let exists: bool = tx
        .query_one("SELECT to_regclass('latchkey_schema') IS NOT NULL", &[])?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    tx.query_opt("SELECT version FROM latchkey_schema", &[])?
        .map_or(Ok(0), |row| row.try_get(0))
}

/// The fingerprint the first instance recorded, if one has.
pub(super) fn stored_fingerprint(
    tx: &mut postgres::Transaction,
) -> Result<Option<Vec<u8>>, postgres::Error> {
    tx.query_opt(
        "SELECT value FROM latchkey_meta WHERE name = $1",
        &[&FINGERPRINT],
    )?
    .map(|row| row.try_get(0))
    .transpose()
}

enum Disagree {
    Store(postgres::Error),
    OtherSecret,
}

/// The first instance records its fingerprint; every later one must match it.
fn agree_on_secret(tx: &mut postgres::Transaction, fingerprint: &[u8]) -> Result<(), Disagree> {
    tx.execute(
        "INSERT INTO latchkey_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&FINGERPRINT, &fingerprint],
    )
    .map_err(Disagree::Store)?;
    let stored: Vec<u8> = tx
        .query_one(
            "SELECT value FROM latchkey_meta WHERE name = $1",
            &[&FINGERPRINT],
        )
        .and_then(|row| row.try_get(0))
        .map_err(Disagree::Store)?;
    match stored == fingerprint {
        true => Ok(()),
        false => Err(Disagree::OtherSecret),
    }
}
