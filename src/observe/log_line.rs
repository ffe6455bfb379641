//! The request log line formatted by hand into a reused buffer, byte for byte what the tracing
//! subscriber prints for the same event (a test holds the two together), without its per-event
//! allocations; the timestamp's date and time are formatted once per second.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::ValueEnum;

/// How log lines are written: for people, or one JSON object a line.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// The fields of one request's line.
pub struct RequestLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency_micros: u64,
}

struct Scratch {
    line: String,
    second: u64,
    /// `2026-01-31T12:34:56` for `second`.
    date_time: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { line: String::new(), second: u64::MAX, date_time: String::new() })
    };
}

/// Formats the line (stamped now) and hands it to `emit`.
pub fn with_line(format: LogFormat, fields: &RequestLine, emit: impl FnOnce(&[u8])) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    SCRATCH.with(|scratch| {
        let scratch = &mut *scratch.borrow_mut();
        if scratch.second != now.as_secs() {
            scratch.second = now.as_secs();
            scratch.date_time = date_time(now.as_secs());
        }
        let micros = now.subsec_micros();
        let line = &mut scratch.line;
        line.clear();
        match format {
            LogFormat::Human => human(line, &scratch.date_time, micros, fields),
            LogFormat::Json => json(line, &scratch.date_time, micros, fields),
        }
        emit(line.as_bytes());
    });
}

fn date_time(secs: u64) -> String {
    let at = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap_or_default();
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `… INFO latchkey::request: request request_id=… route="/user/me" …`
fn human(line: &mut String, date_time: &str, micros: u32, f: &RequestLine) {
    let _ = writeln!(
        line,
        "{date_time}.{micros:06}Z  INFO latchkey::request: request request_id={} method={} route={:?} status={} latency_ms={:?}",
        f.request_id,
        f.method,
        f.route,
        f.status,
        f.latency_micros as f64 / 1000.0
    );
}

/// The JSON subscriber's object, fields in the same order.
fn json(line: &mut String, date_time: &str, micros: u32, f: &RequestLine) {
    let _ = write!(
        line,
        "{{\"timestamp\":\"{date_time}.{micros:06}Z\",\"level\":\"INFO\",\"message\":\"request\",\"request_id\":"
    );
    json_string(line, f.request_id);
    line.push_str(",\"method\":");
    json_string(line, f.method);
    line.push_str(",\"route\":");
    json_string(line, f.route);
    let _ = writeln!(
        line,
        ",\"status\":{},\"latency_ms\":{:?},\"target\":\"latchkey::request\"}}",
        f.status,
        f.latency_micros as f64 / 1000.0
    );
}

fn json_string(line: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        line.push('"');
        line.push_str(text);
        line.push('"');
    } else {
        line.push_str(&serde_json::to_string(text).unwrap_or_default());
    }
}
