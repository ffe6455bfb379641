//! One log line per request — method, route template, status, latency, request id — and the
//! `X-Request-Id` header. Only those fields: never a path, query, header or body, so no password,
//! token or cookie can reach the log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

use tracing::Level;

use super::log_line::{self, RequestLine};
use super::log_sink;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// This request's id, for anything that records it (the audit trail).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Middleware (`middleware::from_fn`), outermost, so every answer is counted.
pub async fn log_requests<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    let (status, route) = match &result {
        Ok(res) => (res.status(), res.request().match_pattern()),
        Err(e) => (e.as_response_error().status_code(), None),
    };
    let route = route.as_deref().unwrap_or(UNMATCHED);
    if let Some(state) = state {
        state.metrics.observe(route, elapsed);
    }
    let line = RequestLine {
        request_id: &id,
        method: method.as_str(),
        route,
        status: status.as_u16(),
        latency_micros: elapsed.as_micros() as u64,
    };
    log(&line);
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// Through the background sink when the server runs with one, else as
/// a tracing event (library users, a terminal); `RUST_LOG` decides both.
fn log(line: &RequestLine) {
    if !tracing::enabled!(target: "latchkey::request", Level::INFO) {
        return;
    }
    match log_sink::get() {
        Some(sink) => log_line::with_line(sink.format, line, |bytes| sink.push(bytes)),
        None => as_event(line),
    }
}

fn as_event(line: &RequestLine) {
    tracing::info!(
        target: "latchkey::request",
        request_id = %line.request_id,
        method = %line.method,
        route = line.route,
        status = line.status,
        latency_ms = line.latency_micros as f64 / 1000.0,
        "request"
    );
}

/// A proxy's id (nginx `$request_id`) when it is short and plain, so lines
/// can be matched across both logs; else a new random one.
fn request_id(req: &ServiceRequest) -> String {
    let incoming = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_plain_id(v));
    match incoming {
        Some(id) => id.to_string(),
        None => format!("{:016x}", rand::random::<u64>()),
    }
}

fn is_plain_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::observe::log_line::LogFormat;
    use crate::observe::logging::subscriber;

    /// What the tracing subscriber writes for the event, and the hand-made line.
    fn both(format: LogFormat, line: &RequestLine) -> (String, String) {
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = written.clone();
        let make = move || Captured(sink.clone());
        let subscriber = subscriber(format, "info".into(), false, make);
        tracing::subscriber::with_default(subscriber, || as_event(line));
        let mut made = String::new();
        log_line::with_line(format, line, |b| made = String::from_utf8_lossy(b).into());
        let traced = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        (traced, made)
    }

    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Drops the timestamp, the one part that differs between two calls.
    fn untimed(line: &str) -> String {
        let re = regex::Regex::new(r#"^(\{"timestamp":")?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"#)
            .unwrap();
        assert!(re.is_match(line), "no timestamp in {line:?}");
        re.replace(line, "").into_owned()
    }

    #[test]
    fn the_hand_made_line_is_the_tracing_subscribers_line() {
        let cases = [
            (0, "/user/me", 200, "GET"),
            (1, "/admin/users/{username}", 404, "DELETE"),
        ];
        let more = [
            (1500, "unmatched", 401, "POST"),
            (123_456_789, "/user/token", 500, "PATCH"),
        ];
        for (micros, route, status, method) in cases.into_iter().chain(more) {
            let line = RequestLine {
                request_id: "nginx-3f2a.9c_1e",
                method,
                route,
                status,
                latency_micros: micros,
            };
            for format in [LogFormat::Human, LogFormat::Json] {
                let (traced, made) = both(format, &line);
                assert!(made.ends_with('\n') && made.matches('\n').count() == 1);
                assert_eq!(untimed(&made), untimed(&traced), "{format:?}");
            }
        }
    }

    #[test]
    fn only_short_plain_ids_are_taken_from_the_proxy() {
        assert!(is_plain_id("3f2a9c1e-77b0.abc_DEF"));
        for bad in ["", "a b", "x\"y", "line\nbreak", &"a".repeat(65)] {
            assert!(!is_plain_id(bad), "{bad:?}");
        }
    }
}
