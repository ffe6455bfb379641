//! The server's audit writer: a request hands its event to a bounded channel and never waits; one
//! thread drains the channel and writes each batch in one transaction. A full channel drops a
//! routine event and counts it, so a flood can neither slow requests nor grow memory; a critical
//! event (reuse detected, password or admin changes) is never dropped: it waits in its own list,
//! which only authenticated work can grow.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::store::{AuditEvent, Store, StoreError};

/// Events waiting to be written; at a few hundred logins a second (the
/// hashing limit) the writer empties this long before it fills.
const QUEUE: usize = 8192;
/// Events per transaction at most.
const BATCH: usize = 512;
const WRITE_TRIES: u32 = 3;
/// How often a batch is tried again while the disk is full.
const FULL_RETRY: Duration = Duration::from_millis(500);

enum Message {
    Event(AuditEvent),
    /// Write everything queued before this, then end the thread.
    Stop,
}

/// The writer thread could not be started (the server does not start).
#[derive(Debug, thiserror::Error)]
#[error("cannot start the audit writer: {0}")]
pub struct WriterNotStarted(#[from] std::io::Error);

#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    sender: SyncSender<Message>,
    /// Critical events the full channel could not take; the writer takes
    /// them after every batch.
    critical: Arc<Mutex<Vec<AuditEvent>>>,
    dropped: AtomicU64,
    /// Set by `close`: a batch waiting out a full disk is given up.
    closing: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl AuditLog {
    /// Starts the writer thread over `store`.
    pub fn start(store: Arc<dyn Store>) -> Result<AuditLog, WriterNotStarted> {
        let (sender, receiver) = mpsc::sync_channel(QUEUE);
        let closing = Arc::new(AtomicBool::new(false));
        let flag = closing.clone();
        let critical = Arc::new(Mutex::new(Vec::new()));
        let overflow = Arc::clone(&critical);
        let thread = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || drain(store.as_ref(), receiver, &overflow, &flag))?;
        Ok(AuditLog {
            inner: Arc::new(Inner {
                sender,
                critical,
                dropped: AtomicU64::new(0),
                closing,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// Queues an event; never blocks. A critical event the full queue cannot
    /// take goes to the writer's own list instead of being dropped.
    pub fn record(&self, event: AuditEvent) {
        match self.inner.sender.try_send(Message::Event(event)) {
            Ok(()) => {}
            Err(TrySendError::Full(Message::Event(event))) if is_critical(&event) => {
                lock(&self.inner.critical).push(event);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                let dropped = self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                if dropped.is_multiple_of(1000) {
                    tracing::warn!(
                        dropped = dropped + 1,
                        "audit queue full: security events dropped"
                    );
                }
            }
        }
    }

    /// Events dropped because the queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Writes what is queued and ends the thread (blocking: call on a
    /// blocking thread). Later events are dropped.
    pub fn close(&self) {
        self.inner.closing.store(true, Ordering::Relaxed);
        let _ = self.inner.sender.send(Message::Stop);
        let thread = self
            .inner
            .thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn is_critical(event: &AuditEvent) -> bool {
    crate::audit::Kind::parse(&event.event).is_some_and(|kind| kind.is_critical())
}

fn lock(list: &Mutex<Vec<AuditEvent>>) -> std::sync::MutexGuard<'_, Vec<AuditEvent>> {
    list.lock().unwrap_or_else(|e| e.into_inner())
}

fn drain(
    store: &dyn Store,
    receiver: Receiver<Message>,
    critical: &Mutex<Vec<AuditEvent>>,
    closing: &AtomicBool,
) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut stop = false;
    while !stop {
        let Ok(first) = receiver.recv() else { break };
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Event(event) => batch.push(event),
                Message::Stop => stop = true,
            }
            if batch.len() < BATCH && !stop {
                next = receiver.try_recv().ok();
            }
        }
        write(store, &mut batch, closing);
        // Only a full channel fills this list, and a full channel means this
        // loop runs again at once: nothing waits here for long.
        let mut waiting = std::mem::take(&mut *lock(critical));
        write(store, &mut waiting, closing);
    }
}

/// A busy database is retried briefly (this thread may wait; requests never
/// do). A full disk is waited out until space is freed: the batch stays here
/// and new events queue in the bounded channel meanwhile (dropped and counted
/// once it is full).
fn write(store: &dyn Store, batch: &mut Vec<AuditEvent>, closing: &AtomicBool) {
    if batch.is_empty() {
        return;
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match store.append_audit(batch) {
            Ok(()) => break,
            Err(StoreError::Busy) if attempt < WRITE_TRIES => {
                std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
            }
            Err(StoreError::Full) if !closing.load(Ordering::Relaxed) => {
                attempt = 0;
                std::thread::sleep(FULL_RETRY);
            }
            Err(e) => {
                tracing::warn!(error = %e, events = batch.len(), "could not write audit events");
                break;
            }
        }
    }
    batch.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditQuery, AuditStore, SqliteStore};

    #[test]
    fn closing_writes_every_queued_event_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db"), 2).unwrap();
        let log = AuditLog::start(Arc::new(store.clone())).unwrap();
        for i in 0..2000 {
            log.record(crate::audit::event(
                crate::audit::Kind::LoginOk,
                &format!("u{i}"),
            ));
        }
        log.close();
        log.record(crate::audit::event(crate::audit::Kind::LoginOk, "late"));

        let (_, total) = store.query_audit(&AuditQuery::default()).unwrap();
        assert_eq!(total, 2000);
        assert_eq!(
            log.dropped(),
            1,
            "after close, events are dropped and counted"
        );
    }

    /// The database is locked while a flood fills the queue: routine events
    /// are dropped and counted, the reuse detection in the middle is kept.
    #[test]
    fn a_full_queue_drops_routine_events_but_never_a_critical_one() {
        use crate::audit::{event, Kind};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = SqliteStore::open(&path, 2).unwrap();
        let blocker = rusqlite::Connection::open(&path).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        let log = AuditLog::start(Arc::new(store.clone())).unwrap();
        for i in 0..QUEUE * 2 {
            log.record(event(Kind::LoginFailed, &format!("u{i}")));
        }
        log.record(event(Kind::RefreshReuseDetected, "victim"));
        log.record(event(Kind::LoginFailed, "late"));
        blocker.execute_batch("COMMIT").unwrap();
        log.close();

        let query = AuditQuery {
            event: Some("refresh_reuse_detected".into()),
            ..AuditQuery::default()
        };
        let (found, _) = store.query_audit(&query).unwrap();
        assert!(log.dropped() > 0, "the flood overflowed the queue");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].event.username.as_deref(), Some("victim"));
    }
}
