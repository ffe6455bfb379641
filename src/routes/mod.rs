//! The route table: every path the server answers, and JSON 404/405 for everything else.

mod admin;
pub mod body;
pub mod cookie;
pub mod cors;
pub mod guard;
pub mod headers;
mod health;
pub mod panic;
mod password;
pub(crate) mod report;
mod sessions;
mod static_files;
pub mod user;

use actix_web::{web, HttpResponse};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/user/token").route(web::post().to(user::token)))
        .service(
            resource("/user/refresh-token")
                .route(web::get().to(user::refresh))
                .route(web::post().to(user::refresh)),
        )
        .service(resource("/user/logout").route(web::post().to(user::logout)))
        .service(resource("/user/me").route(web::get().to(user::me)))
        .service(resource("/user/sessions").route(web::get().to(sessions::list)))
        .service(resource("/user/sessions/{id}").route(web::delete().to(sessions::end)))
        .service(resource("/user/logout-all").route(web::post().to(sessions::logout_all)))
        .service(resource("/user/password").route(web::post().to(password::change)))
        .service(
            resource("/admin/users")
                .route(web::get().to(admin::list))
                .route(web::post().to(admin::create)),
        )
        .service(
            resource("/admin/users/{username}")
                .route(web::get().to(admin::read))
                .route(web::put().to(admin::update))
                .route(web::patch().to(admin::update))
                .route(web::delete().to(admin::delete)),
        )
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/healthz/live").route(web::get().to(health::live)))
        .service(resource("/").route(web::get().to(static_files::index)))
        .service(resource("/static/{name}").route(web::get().to(static_files::asset)));
}

/// A resource whose other methods get a JSON 405.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed)
    }))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not Found"))
}
