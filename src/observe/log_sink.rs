//! Log output off the request path: a line is appended to one bounded in-memory batch and a writer
//! thread empties it to stderr every few milliseconds; when the batch is full the line is dropped
//! and counted, never waited for.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use super::log_line::LogFormat;

/// About a second of lines at full load; beyond it lines are dropped.
const CAPACITY: usize = 4 << 20;
/// How long the writer gathers lines after the first one of a batch: one
/// write per batch, and still well within the 100 ms a line may wait.
const GATHER: Duration = Duration::from_millis(10);

pub struct LogSink {
    /// How request lines are formatted for this sink.
    pub format: LogFormat,
    batch: Mutex<Vec<u8>>,
    wake: Condvar,
    /// Held while a batch is taken and written, so batches keep their order.
    out: Mutex<Box<dyn Write + Send>>,
    dropped: AtomicU64,
}

static SINK: OnceLock<LogSink> = OnceLock::new();

/// Starts the writer thread for `out`; the first call wins.
pub fn install(out: Box<dyn Write + Send>, format: LogFormat) -> &'static LogSink {
    let mut created = false;
    let sink = SINK.get_or_init(|| {
        created = true;
        LogSink {
            format,
            batch: Mutex::new(Vec::with_capacity(64 * 1024)),
            wake: Condvar::new(),
            out: Mutex::new(out),
            dropped: AtomicU64::new(0),
        }
    });
    if created {
        thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || sink.write_forever())
            .expect("the log writer thread starts");
    }
    sink
}

/// The installed sink, if any (the server installs one; library users may not).
pub fn get() -> Option<&'static LogSink> {
    SINK.get()
}

/// Writes every line taken so far; the server calls it as it exits.
pub fn flush() {
    if let Some(sink) = get() {
        sink.write_batch(&mut Vec::new());
    }
}

/// Lines dropped because the batch was full, since start.
pub fn dropped() -> u64 {
    get().map_or(0, |sink| sink.dropped.load(Ordering::Relaxed))
}

impl LogSink {
    /// Appends one whole line (or drops it when the batch is full).
    pub fn push(&self, line: &[u8]) {
        let mut batch = self.batch.lock().unwrap_or_else(|e| e.into_inner());
        if batch.len() + line.len() > CAPACITY {
            drop(batch);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let first = batch.is_empty();
        batch.extend_from_slice(line);
        drop(batch);
        // Only the first line of a batch wakes the writer.
        if first {
            self.wake.notify_one();
        }
    }

    fn write_forever(&self) {
        let mut spare = Vec::with_capacity(64 * 1024);
        loop {
            let batch = self.batch.lock().unwrap_or_else(|e| e.into_inner());
            let batch = self
                .wake
                .wait_while(batch, |b| b.is_empty())
                .unwrap_or_else(|e| e.into_inner());
            drop(batch);
            thread::sleep(GATHER);
            self.write_batch(&mut spare);
        }
    }

    /// Takes the batch (leaving `spare`'s allocation in its place) and writes it.
    fn write_batch(&self, spare: &mut Vec<u8>) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        spare.clear();
        {
            let mut batch = self.batch.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *batch, spare);
        }
        // Nowhere to report a failed log write; the next batch tries again.
        let _ = out.write_all(spare).and_then(|()| out.flush());
    }
}

/// The tracing subscriber's writer: each event arrives as one whole line.
#[derive(Clone, Copy)]
pub struct SinkWriter(pub &'static LogSink);

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for SinkWriter {
    type Writer = SinkWriter;

    fn make_writer(&'a self) -> SinkWriter {
        *self
    }
}
