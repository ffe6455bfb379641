//! The account page, the admin console and their assets, embedded in the binary so `latchkey serve` works from any
//! directory.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::error::ApiError;
use crate::openapi;

/// Scripts and styles come only from this server: no inline script, no framing.
const PAGE_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// A file of static/, embedded at build time.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../static/", $name)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("app.css", CSS),
    asset!("latchkey.js", JS),
    asset!("account.js", JS),
    asset!("account-ui.js", JS),
    asset!("account-sessions.js", JS),
    asset!("account-mfa.js", JS),
    asset!("account-passkeys.js", JS),
    asset!("portal-passkey.js", JS),
    asset!("sign-in.js", JS),
    asset!("admin.html", HTML),
    asset!("admin.css", CSS),
    asset!("admin.js", JS),
    asset!("admin-table.js", JS),
    asset!("admin-users.js", JS),
    asset!("admin-user.js", JS),
    asset!("admin-audit.js", JS),
    asset!("admin-keys.js", JS),
];

#[utoipa::path(get, path = "/", tag = "pages", operation_id = "account_page",
    summary = "The account page",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub async fn index() -> HttpResponse {
    serve("index.html").unwrap_or_else(|| HttpResponse::NotFound().finish())
}

#[utoipa::path(get, path = "/admin/", tag = "pages", operation_id = "admin_console",
    summary = "The admin console",
    description = "Users, the audit trail and the signing keys, for users with the admin role; \
        the page signs in itself and talks only to the JSON API.",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub async fn admin() -> HttpResponse {
    serve("admin.html").unwrap_or_else(|| HttpResponse::NotFound().finish())
}

#[utoipa::path(get, path = "/admin", tag = "pages", operation_id = "admin_console_redirect",
    summary = "To the admin console",
    responses((status = 308, description = "`Location: /admin/`")))]
pub async fn admin_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

#[utoipa::path(get, path = "/static/{name}", tag = "pages", operation_id = "static_asset",
    summary = "A script or style of the account page or the admin console",
    params(("name" = String, Path, description = "latchkey.js, app.css, or one of the pages' own files (account.js, account-ui.js, account-sessions.js, account-mfa.js, account-passkeys.js, sign-in.js, portal-passkey.js (the portal sign-in page's passkey button), admin.css, admin.js, admin-table.js, admin-users.js, admin-user.js, admin-audit.js, admin-keys.js)", example = "latchkey.js")),
    responses(
        (status = 200, description = "The file", content(("text/javascript"), ("text/css"), ("text/html"))),
        openapi::NotFound))]
pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&name).ok_or(ApiError::NotFound("Not Found"))
}

fn serve(name: &str) -> Option<HttpResponse> {
    let asset = ASSETS.iter().find(|a| a.name == name)?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if asset.content_type.starts_with("text/html") {
        response.insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP));
    }
    Some(response.body(asset.body))
}
