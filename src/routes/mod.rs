//! The route table: every operation the server answers, in one list from which both the router and
//! the OpenAPI document are built, and JSON 404/405 for everything else.

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod audit_hourly;
pub(crate) mod docs;
pub(crate) mod forward;
pub(crate) mod health;
pub(crate) mod jwks;
pub(crate) mod keys;
pub(crate) mod mfa;
pub(crate) mod passkeys;
pub(crate) mod password;
pub(crate) mod portal;
pub(crate) mod sessions;
pub(crate) mod static_files;
pub mod user;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpResponse, ResponseError, Route};
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::OpenApi as Document;

use crate::error::ApiError;

/// One served operation: its handler and its `#[utoipa::path]` annotation,
/// which gives the path and methods the router mounts and the operation the
/// OpenAPI document shows, so the two cannot disagree.
pub struct Endpoint {
    pub path: fn() -> String,
    pub methods: fn() -> Vec<HttpMethod>,
    handler: fn(Route) -> Route,
    /// Adds the operation, and the schemas it refers to, to a document.
    pub document: fn(&mut Document),
}

/// `endpoint!(module => handler)`: the handler and the `__path_handler`
/// type its annotation generates.
macro_rules! endpoint {
    ($($module:ident)::+ => $handler:ident) => {
        pastey::paste! {
            Endpoint {
                path: <$($module)::+::[<__path_ $handler>] as utoipa::Path>::path,
                methods: <$($module)::+::[<__path_ $handler>] as utoipa::Path>::methods,
                handler: |r| r.to($($module)::+::$handler),
                document: crate::openapi::add_operation::<$($module)::+::[<__path_ $handler>]>,
            }
        }
    };
}

pub const ENDPOINTS: &[Endpoint] = &[
    endpoint!(user => token),
    endpoint!(mfa::step => token),
    endpoint!(user => refresh),
    endpoint!(user => logout),
    endpoint!(user => me),
    endpoint!(sessions => list),
    endpoint!(sessions => end),
    endpoint!(sessions => logout_all),
    endpoint!(password => change),
    endpoint!(mfa => status),
    endpoint!(mfa => enrol),
    endpoint!(mfa => confirm),
    endpoint!(mfa => remove),
    endpoint!(passkeys => list),
    endpoint!(passkeys => register),
    endpoint!(passkeys => register_finish),
    endpoint!(passkeys => rename),
    endpoint!(passkeys => remove),
    endpoint!(passkeys::sign_in => begin),
    endpoint!(passkeys::sign_in => finish),
    endpoint!(admin => list),
    endpoint!(admin => create),
    endpoint!(admin => read),
    endpoint!(admin => update),
    endpoint!(admin => delete),
    endpoint!(mfa::admin => reset),
    endpoint!(passkeys::admin => remove_all),
    endpoint!(admin::sessions => list),
    endpoint!(admin::sessions => end),
    endpoint!(audit => list),
    endpoint!(audit_hourly => hourly),
    endpoint!(keys => list),
    endpoint!(jwks => jwks),
    endpoint!(forward => verify_get),
    endpoint!(forward => verify_head),
    endpoint!(forward => verify_post),
    endpoint!(forward => verify_put),
    endpoint!(forward => verify_patch),
    endpoint!(forward => verify_delete),
    endpoint!(forward => verify_options),
    endpoint!(portal => page),
    endpoint!(portal => sign_in),
    endpoint!(portal::code => code),
    endpoint!(passkeys::sign_in => portal_begin),
    endpoint!(passkeys::sign_in => portal_finish),
    endpoint!(portal::logout => logout),
    endpoint!(health => healthz),
    endpoint!(health => live),
    endpoint!(docs => openapi_json),
    endpoint!(docs => page),
    endpoint!(docs => asset),
    endpoint!(static_files => index),
    endpoint!(static_files => admin),
    endpoint!(static_files => admin_redirect),
    endpoint!(static_files => asset),
];

/// Every operation of `ENDPOINTS` into `doc`, with the responses they share.
pub fn add_operations(doc: &mut Document) {
    let (name, granted) = <user::Granted as utoipa::ToResponse>::response();
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert(name.to_string(), granted);
    for endpoint in ENDPOINTS {
        (endpoint.document)(doc);
    }
}

fn method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Mounts `ENDPOINTS`, one resource per path, so a path's other methods get
/// a JSON 405. Fixed paths come first (in table order), then those with
/// `{parameters}`: the router tries resources in turn, and a pattern costs a
/// regex match, which hot fixed routes such as `/auth/verify` need not pay.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<String> = Vec::new();
    for endpoint in ENDPOINTS {
        let path = (endpoint.path)();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    // A stable sort: table order within each kind.
    paths.sort_by_key(|path| path.contains('{'));
    for path in paths {
        let here: Vec<&Endpoint> = ENDPOINTS.iter().filter(|e| (e.path)() == path).collect();
        let mut allowed = Vec::new();
        let mut resource = web::resource(path.as_str());
        for endpoint in here {
            for m in (endpoint.methods)() {
                let m = method(&m);
                allowed.push(m.as_str().to_string());
                resource = resource.route((endpoint.handler)(web::method(m)));
            }
        }
        cfg.service(with_allow(resource, &allowed));
    }
}

/// Other methods of the resource get a JSON 405 with the `Allow` header
/// RFC 9110 requires.
fn with_allow(resource: actix_web::Resource, allowed: &[String]) -> actix_web::Resource {
    let allow = HeaderValue::from_str(&allowed.join(", ")).expect("method names are ASCII");
    resource.default_service(web::to(move || {
        let mut response = ApiError::MethodNotAllowed.error_response();
        response.headers_mut().insert(header::ALLOW, allow.clone());
        async move { response }
    }))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("Not Found"))
}
