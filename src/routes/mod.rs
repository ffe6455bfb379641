//! The route table: every (method, path) the server answers, in one list that both the router and
//! the OpenAPI test read, and JSON 404/405 for everything else.

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod docs;
pub(crate) mod forward;
pub(crate) mod health;
pub(crate) mod jwks;
pub(crate) mod mfa;
pub(crate) mod password;
pub(crate) mod sessions;
pub(crate) mod static_files;
pub mod user;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpResponse, ResponseError, Route};

use crate::error::ApiError;

/// One served operation. Every entry must also be documented in
/// `crate::openapi` (a test compares the two).
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    handler: fn(Route) -> Route,
}

const fn at(method: Method, path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint {
        method,
        path,
        handler,
    }
}

pub const ENDPOINTS: &[Endpoint] = &[
    at(Method::POST, "/user/token", |r| r.to(user::token)),
    at(Method::POST, "/user/token/mfa", |r| r.to(mfa::step::token)),
    at(Method::GET, "/user/refresh-token", |r| r.to(user::refresh)),
    at(Method::POST, "/user/refresh-token", |r| r.to(user::refresh)),
    at(Method::POST, "/user/logout", |r| r.to(user::logout)),
    at(Method::GET, "/user/me", |r| r.to(user::me)),
    at(Method::GET, "/user/sessions", |r| r.to(sessions::list)),
    at(Method::DELETE, "/user/sessions/{id}", |r| {
        r.to(sessions::end)
    }),
    at(Method::POST, "/user/logout-all", |r| {
        r.to(sessions::logout_all)
    }),
    at(Method::POST, "/user/password", |r| r.to(password::change)),
    at(Method::GET, "/user/mfa", |r| r.to(mfa::status)),
    at(Method::DELETE, "/user/mfa", |r| r.to(mfa::remove)),
    at(Method::POST, "/user/mfa/totp", |r| r.to(mfa::enrol)),
    at(Method::POST, "/user/mfa/totp/confirm", |r| {
        r.to(mfa::confirm)
    }),
    at(Method::GET, "/admin/users", |r| r.to(admin::list)),
    at(Method::POST, "/admin/users", |r| r.to(admin::create)),
    at(Method::GET, "/admin/users/{username}", |r| {
        r.to(admin::read)
    }),
    at(Method::PUT, "/admin/users/{username}", |r| {
        r.to(admin::update)
    }),
    at(Method::PATCH, "/admin/users/{username}", |r| {
        r.to(admin::update)
    }),
    at(Method::DELETE, "/admin/users/{username}", |r| {
        r.to(admin::delete)
    }),
    at(Method::DELETE, "/admin/users/{username}/mfa", |r| {
        r.to(mfa::admin::reset)
    }),
    at(Method::GET, "/admin/audit", |r| r.to(audit::list)),
    at(Method::GET, "/.well-known/jwks.json", |r| r.to(jwks::jwks)),
    at(Method::GET, "/auth/verify", |r| r.to(forward::verify_get)),
    at(Method::HEAD, "/auth/verify", |r| r.to(forward::verify_head)),
    at(Method::POST, "/auth/verify", |r| r.to(forward::verify_post)),
    at(Method::PUT, "/auth/verify", |r| r.to(forward::verify_put)),
    at(Method::PATCH, "/auth/verify", |r| {
        r.to(forward::verify_patch)
    }),
    at(Method::DELETE, "/auth/verify", |r| {
        r.to(forward::verify_delete)
    }),
    at(Method::OPTIONS, "/auth/verify", |r| {
        r.to(forward::verify_options)
    }),
    at(Method::GET, "/healthz", |r| r.to(health::healthz)),
    at(Method::GET, "/healthz/live", |r| r.to(health::live)),
    at(Method::GET, "/openapi.json", |r| r.to(docs::openapi_json)),
    at(Method::GET, "/docs", |r| r.to(docs::page)),
    at(Method::GET, "/docs/{file}", |r| r.to(docs::asset)),
    at(Method::GET, "/", |r| r.to(static_files::index)),
    at(Method::GET, "/static/{name}", |r| r.to(static_files::asset)),
];

/// Mounts `ENDPOINTS`, one resource per path (in table order), so a path's
/// other methods get a JSON 405.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&str> = Vec::new();
    for endpoint in ENDPOINTS {
        if !paths.contains(&endpoint.path) {
            paths.push(endpoint.path);
        }
    }
    for path in paths {
        let routes = ENDPOINTS.iter().filter(|e| e.path == path);
        let resource = routes.fold(resource(path), |resource, e| {
            resource.route((e.handler)(web::method(e.method.clone())))
        });
        cfg.service(resource);
    }
}

/// A resource whose other methods get a JSON 405 with the `Allow` header
/// RFC 9110 requires.
fn resource(path: &'static str) -> actix_web::Resource {
    let allowed: Vec<&str> = ENDPOINTS
        .iter()
        .filter(|e| e.path == path)
        .map(|e| e.method.as_str())
        .collect();
    let allow = HeaderValue::from_str(&allowed.join(", ")).expect("method names are ASCII");
    web::resource(path).default_service(web::to(move || {
        let mut response = ApiError::MethodNotAllowed.error_response();
        response.headers_mut().insert(header::ALLOW, allow.clone());
        async move { response }
    }))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not Found"))
}
