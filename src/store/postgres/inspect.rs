//! `check-config` on PostgreSQL: connect, read the schema version and count what is there, changing
//! nothing (a database no instance has started on yet has no tables and counts nothing).

use std::str::FromStr;

use super::{describe, rows, schema, tls};
use crate::store::maintenance::Inspection;
use crate::store::{InspectError, OpenError, StoreError, StoreResult};

/// What `inspect` found, and the fingerprint of the secret the database
/// was set up with (`None` before the first instance started).
pub struct Found {
    pub inspection: Inspection,
    pub secret_fingerprint: Option<Vec<u8>>,
}

pub fn inspect(url: &str) -> Result<Found, InspectError> {
    let config = postgres::Config::from_str(url).map_err(OpenError::InvalidUrl)?;
    let shown = describe(&config);
    let mut client =
        config
            .connect(tls::connector()?)
            .map_err(|source| OpenError::Unreachable {
                at: shown.clone(),
                source,
            })?;
    let explain = |source| InspectError::Postgres {
        at: shown.clone(),
        source,
    };
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(StoreError::from)
        .map_err(explain)?;
    let version = schema::version(&mut tx)
        .map_err(StoreError::from)
        .map_err(explain)?;
    if version > schema::SCHEMA_VERSION {
        return Err(InspectError::PostgresTooNew {
            at: shown.clone(),
            found: version,
        });
    }
    read(&mut tx, version).map_err(explain)
}

/// The counts and the fingerprint, of a schema this binary knows.
fn read(tx: &mut postgres::Transaction, version: i32) -> StoreResult<Found> {
    if version == 0 {
        return Ok(Found {
            inspection: Inspection::default(),
            secret_fingerprint: None,
        });
    }
    let mut count = |sql: &str| rows::column::<i64>(&tx.query_one(sql, &[])?, 0);
    let inspection = Inspection {
        schema_version: i64::from(version),
        users: count("SELECT COUNT(*) FROM users")?,
        enabled_admins: count("SELECT COUNT(*) FROM users WHERE admin AND NOT disabled")?,
        sessions: count("SELECT COUNT(*) FROM sessions WHERE end_reason IS NULL")?,
        audit_events: count("SELECT COUNT(*) FROM audit_events")?,
    };
    Ok(Found {
        inspection,
        secret_fingerprint: schema::stored_fingerprint(tx)?,
    })
}
