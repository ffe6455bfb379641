//! Liveness: `/healthz` answers only when the database does; `/healthz/live` does no work at all
//! (the benchmark's ceiling).

use actix_web::{web, HttpResponse};

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
    Ok(HttpResponse::Ok().json(OK))
}

#[utoipa::path(get, path = "/healthz/live", tag = "health", operation_id = "live",
    summary = "Alive (does no work)",
    responses((status = 200, description = "Serving", body = Health)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(OK)
}

/// The body of both health answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(pattern = "^ok$", example = "ok")]
    status: &'static str,
}

const OK: Health = Health { status: "ok" };
