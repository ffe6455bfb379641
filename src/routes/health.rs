//! Liveness: `/healthz` answers only when the database does; `/healthz/live` does no work at all (the benchmark's ceiling).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::blocking;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    blocking::run(move || Ok(store.ping()?)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ok"})))
}

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}
