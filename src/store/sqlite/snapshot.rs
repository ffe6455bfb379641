//! A run of access checks queued together on a reader thread shares one read transaction, so the
//! WAL read lock (an `fcntl` to take it and one to drop it, a tenth of a `/user/me` request's CPU)
//! is paid once per run instead of once per request. The reader only puts in a run the jobs queued
//! before it starts (`blocking::Readers`), and the snapshot is taken at the run's first read, so
//! every check still sees each commit that preceded its request.

use std::cell::RefCell;
use std::sync::Arc;

use rusqlite::Connection;

use super::{Conn, SqliteStore};
use crate::store::StoreResult;

thread_local! {
    /// The connection holding this thread's open run, and the store it belongs to.
    static PINNED: RefCell<Option<(Arc<()>, Conn)>> = const { RefCell::new(None) };
}

impl SqliteStore {
    /// Runs `run` inside one read transaction on one connection, which this
    /// store's reads on this thread use until it returns.
    pub(super) fn run_pinned(&self, run: &mut dyn FnMut()) {
        let Ok(conn) = self.conn() else { return run() };
        if conn
            .prepare_cached("BEGIN")
            .and_then(|mut s| s.execute([]))
            .is_err()
        {
            return run();
        }
        PINNED.with(|pinned| *pinned.borrow_mut() = Some((self.identity.clone(), conn)));
        let _release = Release;
        run();
    }

    /// `read` on this thread's pinned connection when a run of this store
    /// holds one, else on a pooled connection.
    pub(super) fn on_read_connection<T>(
        &self,
        read: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        // Borrowed, not taken: a read never starts or ends a run, the only writers of `PINNED`.
        PINNED.with(|pinned| match &*pinned.borrow() {
            Some((owner, conn)) if Arc::ptr_eq(owner, &self.identity) => read(conn),
            _ => read(&*self.conn()?),
        })
    }
}

/// Ends the run's transaction and unpins its connection, also on a panic: a
/// connection must never go back to the pool inside a transaction, where its
/// old snapshot would be served and would hold the WAL from being restarted.
struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        let Some((_, conn)) = PINNED.with(|pinned| pinned.borrow_mut().take()) else {
            return;
        };
        let committed = conn
            .prepare_cached("COMMIT")
            .and_then(|mut s| s.execute([]));
        if committed.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}
