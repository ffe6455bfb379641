//! Liveness: `/healthz` answers only when the database does; `/healthz/live` does no work at all
//! (the benchmark's ceiling).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::blocking;
use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;

#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz",
    summary = "Ready: the database answers",
    responses((status = 200, description = "Serving", body = Health), openapi::Busy))]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    blocking::run(move || Ok(store.ping()?)).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ok"})))
}

#[utoipa::path(get, path = "/healthz/live", tag = "health", operation_id = "live",
    summary = "Alive (does no work)",
    responses((status = 200, description = "Serving", body = Health)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The body of both health answers (documentation only: the handlers write it with `json!`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Health {
    #[schema(pattern = "^ok$", example = "ok")]
    status: String,
}
