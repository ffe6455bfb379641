//! `/openapi.json` and the Swagger UI page at `/docs`: the document is generated from the handlers'
//! annotations, and every script and style of the page is served from the binary (no CDN).

use std::sync::{Arc, OnceLock};

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa_swagger_ui::Config;

use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;

/// The account page's policy. Swagger UI needs nothing more: its styles are
/// set through the CSSOM, which `style-src` does not govern (the browser
/// test tests/browser/docs.test.js checks that nothing is refused).
const DOCS_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const PAGE: &str = include_str!("../../static/docs.html");

/// The OpenAPI 3 description of this server.
#[utoipa::path(get, path = "/openapi.json", tag = "docs", operation_id = "openapi_document",
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json", body = Object)))]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(openapi::document(
            (state.cookie.name(), state.portal_cookie.name()),
            super::add_operations,
        ))
}

/// The interactive API page (Swagger UI).
#[utoipa::path(get, path = "/docs", tag = "docs", operation_id = "docs_page",
    responses((status = 200, description = "The Swagger UI page", content_type = "text/html", body = String)))]
pub async fn page() -> HttpResponse {
    html(PAGE.as_bytes().to_vec())
}

/// A script, style sheet or image of the Swagger UI page.
#[utoipa::path(get, path = "/docs/{file}", tag = "docs", operation_id = "docs_asset",
    params(("file" = String, Path, description = "A Swagger UI file", example = "swagger-ui.css")),
    responses(
        (status = 200, description = "The file", content(
            ("text/javascript"), ("text/css"), ("image/png"), ("text/html"))),
        openapi::NotFound,
    ))]
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let found = utoipa_swagger_ui::serve(&file, swagger_config())
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound("Not Found"))?;
    if found.content_type.starts_with("text/html") {
        return Ok(html(found.bytes.into_owned()));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, found.content_type))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(found.bytes.into_owned()))
}

fn html(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_CSP))
        .body(body)
}

/// What `swagger-initializer.js` is filled with. The token "Authorize"
/// obtains stays in the page's memory (never persisted), as the spec asks.
fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::new(["/openapi.json"])
                    .use_base_layout()
                    .persist_authorization(false)
                    .try_it_out_enabled(true),
            )
        })
        .clone()
}
