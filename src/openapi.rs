//! The OpenAPI 3 description, generated from the handlers' `#[utoipa::path]` annotations and the
//! body types' `ToSchema` derives, so it cannot drift from the code; `GET /openapi.json` serves it.

mod errors;
pub mod fields;

use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{OpenApi as Document, PathItem, RefOr, Schema};
use utoipa::OpenApi;

pub use errors::{
    AdminOnly, Bearer, Body, Busy, Conflict, CookieRoute, Invalid, LoginFailed, NotFound,
    PasskeyRefused, PasskeySignInFailed, RefreshFailed, Throttled, WrongCode, WrongCurrentPassword,
    WrongPasswordOrCode,
};

use crate::error::ErrorBody;

/// The name of the Bearer scheme in `security(...)`.
pub const BEARER: &str = "OAuth2PasswordBearer";
/// The name of the refresh-cookie scheme in `security(...)`.
pub const COOKIE: &str = "RefreshCookie";
/// The name of the sign-in portal's cookie scheme in `security(...)`.
pub const PORTAL_COOKIE: &str = "PortalCookie";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "latchkey",
        description = "A single-binary authentication server. Log in at `POST /user/token` \
            (form or JSON) to get a short-lived JWT access token in the body, sent as \
            `Authorization: Bearer`, and a long-lived refresh id in an HttpOnly cookie \
            (`Path=/user`), used at `/user/refresh-token` for a fresh access token. Every \
            error is `{\"detail\", \"code\"}`; timestamps are RFC 3339 UTC."
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "user", description = "Log in, refresh, log out, the current user"),
        (name = "sessions", description = "The caller's own sessions and password"),
        (name = "mfa", description = "The caller's second factor (TOTP, RFC 6238)"),
        (name = "passkeys", description = "Passkeys (WebAuthn): the caller's own, and signing in with one"),
        (name = "admin", description = "User management for admin UIs (React Admin's ra-data-json-server shape)"),
        (name = "keys", description = "Public keys for verifying access tokens elsewhere"),
        (name = "forward-auth", description = "For reverse proxies protecting other services"),
        (name = "portal", description = "The sign-in portal: HTML pages for browsers at a protected tool's door"),
        (name = "health", description = "Liveness"),
        (name = "docs", description = "This document and its interactive page"),
        (name = "pages", description = "The account page, the admin console and their assets"),
    )
)]
struct ApiDoc;

/// The document for a server whose refresh and portal cookies are called
/// `cookie_names`, with the operations `operations` adds (the route
/// table's, see `routes`).
pub fn document(
    (cookie_name, portal_cookie_name): (&str, &str),
    operations: impl FnOnce(&mut Document),
) -> Document {
    let mut doc = ApiDoc::openapi();
    operations(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    for answer in errors::ALL {
        components
            .responses
            .insert(answer.name.to_string(), answer.response().into());
    }
    let password = Password::new("/user/token", Scopes::new());
    components.add_security_scheme(
        BEARER,
        SecurityScheme::OAuth2(OAuth2::with_description(
            [Flow::Password(password)],
            "The access token from `POST /user/token` (username and password, as \
                 OAuth2's password grant), sent as `Authorization: Bearer <token>`.",
        )),
    );
    components.add_security_scheme(
        COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            cookie_name,
            "The refresh id, set by login and refresh as an HttpOnly, SameSite cookie \
             with `Path=/user`; JavaScript never reads it.",
        ))),
    );
    components.add_security_scheme(
        PORTAL_COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            portal_cookie_name,
            "The sign-in portal's session, set by `POST /login` (HttpOnly, SameSite=Lax, \
             `Path=/`); it opens `/auth/verify` and the portal's own pages, nothing else.",
        ))),
    );
    unique_operation_ids(&mut doc);
    optional_bodies(&mut doc);
    doc
}

/// Adds the operation `P` (a handler's annotation), its tags and the
/// schemas it refers to, as the derive's `paths(...)` would (through the
/// same hidden traits its generated code implements).
pub fn add_operation<P>(doc: &mut Document)
where
    P: utoipa::Path + utoipa::__dev::SchemaReferences + for<'t> utoipa::__dev::Tags<'t>,
{
    let mut operation = P::operation();
    let tags: Vec<String> = P::tags().into_iter().map(str::to_string).collect();
    operation.tags.get_or_insert_with(Vec::new).extend(tags);
    doc.paths
        .add_path_operation(P::path(), P::methods(), operation);
    let mut schemas = Vec::new();
    P::schemas(&mut schemas);
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.extend(schemas);
}

/// An `Option<T>` body (PATCH with nothing to change) means "may be
/// absent", never a JSON `null` (which the body reader refuses): utoipa
/// writes it as `oneOf: [T, null]`, so it is rewritten to an optional `T`.
fn optional_bodies(doc: &mut Document) {
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            let Some(RefOr::T(body)) = op.request_body.as_mut() else {
                continue;
            };
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
                    let target = one_of.items.iter().find(|i| matches!(i, RefOr::Ref(_)));
                    content.schema = target.cloned();
                }
            }
        }
    }
}

/// A handler serving two methods (refresh: GET and POST; update: PUT and
/// PATCH) is one annotated operation; OpenAPI wants distinct ids, so
/// each copy gets its method appended.
fn unique_operation_ids(doc: &mut Document) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in doc.paths.paths.values_mut() {
        for (_, op) in operations(item) {
            if let Some(id) = &op.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for item in doc.paths.paths.values_mut() {
        for (method, op) in operations(item) {
            if let Some(id) = op.operation_id.as_mut() {
                if seen.get(id.as_str()).is_some_and(|n| *n > 1) {
                    id.push('_');
                    id.push_str(method);
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut utoipa::openapi::path::Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, op)| Some((method, op?)))
    .collect()
}
