//! The `/metrics` listener: a second small HTTP server on `--metrics-bind`, so Prometheus can
//! scrape what the internet-facing port never shows.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use super::metrics::Scraped;
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
    let live_sessions = live
        .inspect_err(|e| tracing::warn!(error = %e, "metrics: could not count live sessions"))
        .ok();
    let scraped = Scraped {
        live_sessions,
        hash_slots_in_use: state.hashing.in_use(),
        audit_dropped: state.audit.dropped(),
        log_dropped: super::log_sink::dropped(),
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&scraped))
}
