//! The `/metrics` listener: a second small HTTP server on `--metrics-bind`, so Prometheus can
//! scrape what the internet-facing port never shows.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};

use super::metrics::Scraped;
use crate::state::AppState;
use crate::{blocking, clock};

/// Builds the server on a bound listener (it runs once awaited). It ignores
/// signals: the application stops it after the main server.
pub fn build(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    Ok(server)
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
