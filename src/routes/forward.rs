//! Forward auth (`/auth/verify`, any method): a reverse proxy asks whether the original request's
//! Bearer token (checked as `/user/me` checks it, never falling through when bad) or else the
//! sign-in portal's cookie is good; it never reads the refresh cookie, and takes no parameter but
//! the documented ones.

mod original;
mod params;
mod redirect;

use actix_web::http::header::{self, HeaderName};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use crate::access::{Outcome, Who};
use crate::auth::extract::Caller;
use crate::auth::portal;
use crate::domain::GroupName;
use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;
use params::{VerifyParams, VerifyQuery};

/// 200 with who the caller is in headers the proxy copies to the upstream.
/// Order of checks: a credential present but bad (401), the parameters
/// (422), the access rules when configured, then `?admin=true` (admins
/// only) and `?group=` (members of one of the groups named), which can only
/// narrow what the rules allow.
async fn verify(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("app state missing"))?;
    // Read once; a malformed query is refused in its turn, after a bad credential.
    let wanted = VerifyParams::parse(req.query_string());
    let redirect = wanted.as_ref().is_ok_and(|p| p.redirect);
    match decide(&req, &state, wanted).await {
        // A browser is sent to the portal, or shown a page, rather than bare JSON.
        Err(
            e @ (ApiError::NotAuthenticated
            | ApiError::InvalidToken
            | ApiError::Forbidden(_)
            | ApiError::SecondFactorRequired),
        ) => Ok(redirect::refusal(
            &req,
            e,
            redirect,
            state.public_url.as_deref(),
        )),
        outcome => outcome,
    }
}

/// The caller: the Bearer token when an `Authorization` header came (a bad
/// one is 401, never a fall-through), else the portal cookie's session.
async fn caller(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Option<Caller>, ApiError> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(Some(Caller::extract(req).await?));
    }
    match state.portal_cookie.read(req) {
        Some(value) => portal::caller(state, &value).await,
        None => Ok(None),
    }
}

async fn decide(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    wanted: Result<VerifyParams, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(req, state).await?;
    // Without rules a caller is always needed; with them, a bypass rule may
    // let an anonymous one through.
    if caller.is_none() && state.access.is_none() {
        return Err(ApiError::NotAuthenticated);
    }
    let wanted = wanted?;
    if let Some(rules) = &state.access {
        let decision = rules
            .current()
            .decide(&original::target(req)?, who(&caller).as_ref());
        state.metrics.access(decision.outcome.label());
        match decision.outcome {
            Outcome::Allow => {}
            Outcome::Deny => return Err(ApiError::Forbidden("Access denied by the access rules")),
            Outcome::SignIn => return Err(ApiError::NotAuthenticated),
            Outcome::SecondFactor => return Err(ApiError::SecondFactorRequired),
        }
    }
    match caller {
        Some(caller) => passes(&wanted, &caller),
        // A bypass rule: anyone, unless the location also asks for a role or group.
        None if wanted.admin || !wanted.groups.is_empty() => Err(ApiError::NotAuthenticated),
        None => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()),
    }
}

fn who(caller: &Option<Caller>) -> Option<Who<'_>> {
    caller.as_ref().map(|caller| Who {
        username: &caller.user.username,
        groups: &caller.user.groups,
        admin: caller.user.admin,
        second_factor: caller.second_factor,
    })
}

// Named once: a name given as `&str` is parsed on every response.
const AUTH_USER: HeaderName = HeaderName::from_static("x-auth-user");
const AUTH_ADMIN: HeaderName = HeaderName::from_static("x-auth-admin");
const AUTH_GROUPS: HeaderName = HeaderName::from_static("x-auth-groups");
const AUTH_SESSION: HeaderName = HeaderName::from_static("x-auth-session");
const AUTH_EMAIL: HeaderName = HeaderName::from_static("x-auth-email");

/// `?admin` and `?group`, then the caller in `X-Auth-*` headers.
fn passes(wanted: &VerifyParams, caller: &Caller) -> Result<HttpResponse, ApiError> {
    if wanted.admin && !caller.user.admin {
        return Err(ApiError::Forbidden("Admin role required"));
    }
    if !wanted.groups.is_empty() && !in_any(&caller.user.groups, &wanted.groups) {
        return Err(ApiError::Forbidden(
            "Membership of one of the groups required",
        ));
    }
    let mut answer = HttpResponse::Ok();
    answer
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((AUTH_USER, caller.user.username.as_str()))
        .insert_header((AUTH_ADMIN, if caller.user.admin { "true" } else { "false" }))
        .insert_header((AUTH_GROUPS, caller.user.groups.join(",")))
        .insert_header((AUTH_SESSION, caller.session_id.as_str()));
    if let Some(email) = caller.user.email.as_deref() {
        answer.insert_header((AUTH_EMAIL, email));
    }
    Ok(answer.finish())
}

/// Whether the caller's groups (read with the caller's session on this
/// request, as `disabled` is, so a removal takes effect at once) hold any
/// of the wanted ones.
fn in_any(member_of: &[String], wanted: &[GroupName]) -> bool {
    wanted
        .iter()
        .any(|group| member_of.iter().any(|name| name == group.as_str()))
}

/// One documented operation per method, since a proxy sends the original
/// request's method (operation ids must be unique).
macro_rules! verify_for {
    ($($name:ident = $method:ident),+ $(,)?) => {$(
        #[utoipa::path($method, path = "/auth/verify", tag = "forward-auth",
            operation_id = stringify!($name),
            summary = "Forward auth: is the Bearer token (or else the portal cookie) good (for nginx auth_request, Traefik forwardAuth, Caddy forward_auth)",
            description = "With `?redirect=true`, a 401 for an original GET or HEAD that accepts \
                `text/html` is a 302 to the portal's `/login?rd=<original URL>` instead (needs \
                `--public-url`).",
            security(("OAuth2PasswordBearer" = []), ("PortalCookie" = [])),
            params(VerifyQuery),
            responses((status = 200, description = "Allowed; empty body",
                headers(
                    ("X-Auth-User" = String, description = "The username"),
                    ("X-Auth-Admin" = String, description = "`true` or `false`"),
                    ("X-Auth-Groups" = String, description = "The user's groups, comma-separated and sorted; empty when none"),
                    ("X-Auth-Session" = String, description = "The session id (the token's `sid`)"),
                    ("X-Auth-Email" = String, description = "The user's email, when set"),
                    ("Cache-Control" = String, description = "`no-store`"),
                )),
                (status = 302, description = "`?redirect=true`: a browser sent to the sign-in portal",
                    headers(("Location" = String, description = "`<public URL>/login?rd=<the original URL, percent-encoded>`"))),
                openapi::AdminOnly, openapi::Invalid))]
        pub async fn $name(req: HttpRequest) -> Result<HttpResponse, ApiError> {
            verify(req).await
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
