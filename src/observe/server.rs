//! The `/metrics` listener: a second small HTTP server on `--metrics-bind`, so Prometheus can
//! scrape what the internet-facing port never shows.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use super::metrics::gauge;
use crate::state::AppState;
use crate::{blocking, clock};

/// Binds and builds the server (it runs once awaited); returns it and its port.
/// It ignores signals: the application stops it after the main server.
pub fn build(bind: SocketAddr, state: web::Data<AppState>) -> Result<(Server, u16), String> {
    let listener = TcpListener::bind(bind)
        .map_err(|e| format!("cannot listen on {bind}: {e}; pick another --metrics-bind"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .map_err(|e| e.to_string())?
    .run();
    Ok((server, port))
}

/// Prometheus text format. The live-session count is read from the
/// database now; if that fails the other metrics are still served.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.clone();
    let live = blocking::run(move || Ok(store.count_live_sessions(clock::now_ms())?)).await;
    let mut out = String::with_capacity(8 * 1024);
    state.metrics.render(&mut out);
    match live {
        Ok(live) => gauge(
            &mut out,
            "latchkey_live_sessions",
            "Sessions neither ended nor expired.",
            live,
        ),
        Err(e) => tracing::warn!(error = %e, "metrics: could not count live sessions"),
    }
    gauge(
        &mut out,
        "latchkey_hash_slots_in_use",
        "Password hashes (argon2) running now.",
        state.hashing.in_use() as u64,
    );
    let dropped = state.audit.dropped();
    out.push_str(&format!(
        "# HELP latchkey_audit_dropped_total Audit events dropped because the queue was full.\n# TYPE latchkey_audit_dropped_total counter\nlatchkey_audit_dropped_total {dropped}\n"
    ));
    let dropped = super::log_sink::dropped();
    out.push_str(&format!(
        "# HELP latchkey_log_dropped_total Log lines dropped because the log writer fell behind.\n# TYPE latchkey_log_dropped_total counter\nlatchkey_log_dropped_total {dropped}\n"
    ));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}
