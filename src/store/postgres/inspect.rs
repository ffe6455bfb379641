//! `check-config` on PostgreSQL: connect, read the schema version and count what is there, changing
//! nothing (a database no instance has started on yet has no tables and counts nothing).

use std::str::FromStr;

use super::{describe, rows, schema, tls};
use crate::store::maintenance::Inspection;
use crate::store::StoreError;

/// What `inspect` found, and the fingerprint of the secret the database
/// was set up with (`None` before the first instance started).
pub struct Found {
    pub inspection: Inspection,
    pub secret_fingerprint: Option<Vec<u8>>,
}

pub fn inspect(url: &str) -> Result<Found, String> {
    let config = postgres::Config::from_str(url)
        .map_err(|e| format!("--db is not a valid PostgreSQL URL: {e}"))?;
    let shown = describe(&config);
    let mut client = config
        .connect(tls::connector()?)
        .map_err(|e| format!("cannot connect to PostgreSQL at {shown}: {e}"))?;
    let explain = |e: postgres::Error| format!("PostgreSQL at {shown}: {}", StoreError::from(e));
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(explain)?;
    let version = schema::version(&mut tx).map_err(explain)?;
    if version > schema::SCHEMA_VERSION {
        return Err(format!(
            "{shown} was written by a newer latchkey (PostgreSQL schema version {version}; this binary knows {})",
            schema::SCHEMA_VERSION
        ));
    }
    let mut count = |sql: &str| -> Result<i64, String> {
        match version {
            0 => Ok(0),
            _ => {
                let row = tx.query_one(sql, &[]).map_err(explain)?;
                rows::column(&row, 0).map_err(|e| format!("PostgreSQL at {shown}: {e}"))
            }
        }
    };
    let inspection = Inspection {
        schema_version: i64::from(version),
        users: count("SELECT COUNT(*) FROM users")?,
        enabled_admins: count("SELECT COUNT(*) FROM users WHERE admin AND NOT disabled")?,
        sessions: count("SELECT COUNT(*) FROM sessions WHERE end_reason IS NULL")?,
        audit_events: count("SELECT COUNT(*) FROM audit_events")?,
    };
    let secret_fingerprint = match version {
        0 => None,
        _ => schema::stored_fingerprint(&mut tx).map_err(explain)?,
    };
    Ok(Found {
        inspection,
        secret_fingerprint,
    })
}
