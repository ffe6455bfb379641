//! Forward auth (`/auth/verify`, any method): a reverse proxy asks whether the original request's
//! Bearer token is good, with the same checks as `/user/me`; it never reads the refresh cookie.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::auth::extract::Caller;
use crate::error::ApiError;
use crate::openapi;

/// 200 with who the caller is in headers the proxy copies to the upstream;
/// `?admin=true` (after the token check, so a missing token is still 401)
/// lets only admins through.
async fn verify(req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    if wants_admin(req.query_string())? && !caller.user.admin {
        return Err(ApiError::Forbidden("Admin role required"));
    }
    let mut answer = HttpResponse::Ok();
    answer
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Auth-User", caller.user.username.as_str()))
        .insert_header(("X-Auth-Admin", caller.user.admin.to_string()))
        .insert_header(("X-Auth-Session", caller.session_id.as_str()));
    if let Some(email) = caller.user.email.as_deref() {
        answer.insert_header(("X-Auth-Email", email));
    }
    Ok(answer.finish())
}

/// Anything but one `admin=true` or `admin=false` is refused (422), so a typo
/// in a proxy's configuration never opens an admin-only location.
fn wants_admin(query: &str) -> Result<bool, ApiError> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .map_err(|_| ApiError::Invalid("admin must be true or false".into()))?;
    let values: Vec<&str> = pairs
        .iter()
        .filter(|(name, _)| name == "admin")
        .map(|(_, value)| value.as_str())
        .collect();
    match values[..] {
        [] | ["false"] => Ok(false),
        ["true"] => Ok(true),
        _ => Err(ApiError::Invalid("admin must be true or false".into())),
    }
}

/// One documented operation per method, since a proxy sends the original
/// request's method (operation ids must be unique).
macro_rules! verify_for {
    ($($name:ident = $method:ident),+ $(,)?) => {$(
        #[utoipa::path($method, path = "/auth/verify", tag = "forward-auth",
            operation_id = stringify!($name),
            summary = "Forward auth: is the Bearer token good (for nginx auth_request, Traefik forwardAuth, Caddy forward_auth)",
            security(("OAuth2PasswordBearer" = [])),
            params(("admin" = Option<bool>, Query, description = "`true`: only admins pass (others get 403)")),
            responses((status = 200, description = "Allowed; empty body",
                headers(
                    ("X-Auth-User" = String, description = "The username"),
                    ("X-Auth-Admin" = String, description = "`true` or `false`"),
                    ("X-Auth-Session" = String, description = "The session id (the token's `sid`)"),
                    ("X-Auth-Email" = String, description = "The user's email, when set"),
                    ("Cache-Control" = String, description = "`no-store`"),
                )), openapi::AdminOnly, openapi::Invalid))]
        pub async fn $name(req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
            verify(req, caller).await
        }
    )+};
}

verify_for! {
    verify_get = get,
    verify_head = head,
    verify_post = post,
    verify_put = put,
    verify_patch = patch,
    verify_delete = delete,
    verify_options = options,
}
