//! One log line per request — method, route template, status, latency, request id — and the `X-Request-Id` header. Only those fields: never a path, query, header or body, so no password, token or cookie can reach the log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage};

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
    tracing::info!(
        target: "latchkey::request",
        request_id = %id,
        method = %method,
        route,
        status = status.as_u16(),
        latency_ms = elapsed.as_micros() as f64 / 1000.0,
        "request"
    );
    let mut res = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
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
    use super::*;

    #[test]
    fn only_short_plain_ids_are_taken_from_the_proxy() {
        assert!(is_plain_id("3f2a9c1e-77b0.abc_DEF"));
        for bad in ["", "a b", "x\"y", "line\nbreak", &"a".repeat(65)] {
            assert!(!is_plain_id(bad), "{bad:?}");
        }
    }
}
