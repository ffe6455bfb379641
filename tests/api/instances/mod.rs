//! Many instances on one PostgreSQL database: the refresh, logout and throttle rules hold across
//! them as on one server, an instance with another secret refuses to start, and `kill -9` of one
//! instance loses no acknowledged rotation while the others keep serving.

mod kill;
mod login_races;
mod rotation;
mod secret;
mod throttle;
mod upgrade;

use crate::helpers::TestApp;
use crate::postgres::{new_secret, spawn_instance, TestDatabase};

/// Three in-process instances on one fresh database, one secret, `flags` each.
pub struct Cluster {
    pub a: TestApp,
    pub b: TestApp,
    pub c: TestApp,
    /// Dropped last: the database outlives the instances' last use.
    _db: TestDatabase,
}

pub async fn cluster(flags: &[&str]) -> Cluster {
    let db = TestDatabase::create();
    let secret = new_secret();
    let a = spawn_instance(&db.url, &secret, flags).await;
    let b = spawn_instance(&db.url, &secret, flags).await;
    let c = spawn_instance(&db.url, &secret, flags).await;
    Cluster { a, b, c, _db: db }
}
