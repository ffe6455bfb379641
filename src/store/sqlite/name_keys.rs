//! Schema version 8's `username_key` for users stored before it (SQLite cannot fold Unicode, so
//! Rust computes it), and the names that already collided under it: the later user's key gets a
//! control-character suffix that no new name can ever have, so neither user is locked out and the
//! collision stays visible.

use std::collections::HashSet;

use rusqlite::{params, Connection, Transaction};

use crate::domain;
use crate::store::NameCollision;

/// Marks a kept duplicate's key: the folded name, this, then the user's id.
const KEPT: char = '\u{1}';

/// The upper bound of the keys that belong to `key`: itself and its kept
/// duplicates (`key` + U+0001 + id); a valid name's key has no control character.
pub(super) fn upper_bound(key: &str) -> String {
    format!("{key}\u{2}")
}

/// Adds and fills the column; the unique index comes with schema.sql after.
/// The lower id (the older user) keeps the plain key.
pub(super) fn add(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch("ALTER TABLE users ADD COLUMN username_key TEXT NOT NULL DEFAULT '';")?;
    let users = tx
        .prepare("SELECT id, username FROM users ORDER BY id")?
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut taken = HashSet::new();
    let mut write = tx.prepare("UPDATE users SET username_key = ?2 WHERE id = ?1")?;
    for (id, name) in users {
        let key = domain::name_key(&name);
        let key = if taken.insert(key.clone()) {
            key
        } else {
            format!("{key}{KEPT}{id}")
        };
        write.execute(params![id, key])?;
    }
    Ok(())
}

/// Every user kept under a marked key, with the user holding the plain key
/// (`None` once that one is deleted).
pub(super) fn collisions(conn: &Connection) -> rusqlite::Result<Vec<NameCollision>> {
    let kept = conn
        .prepare("SELECT id, username, username_key FROM users WHERE instr(username_key, char(1)) > 0 ORDER BY id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?)))?
        .collect::<Result<Vec<(i64, String, String)>, _>>()?;
    let mut holder = conn.prepare("SELECT id, username FROM users WHERE username_key = ?1")?;
    let mut found = Vec::with_capacity(kept.len());
    for (id, username, key) in kept {
        let plain = key.split(KEPT).next().unwrap_or_default();
        let held_by = holder
            .query_map([plain], |row| Ok((row.get(0)?, row.get(1)?)))?
            .next()
            .transpose()?;
        found.push(NameCollision {
            id,
            username,
            held_by,
        });
    }
    Ok(found)
}
