//! `GET /.well-known/jwks.json`: the public EdDSA keys other services verify access tokens with
//! (RFC 7517); cacheable for 5 minutes, which is why a new key signs only 5 minutes after it is
//! published.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::signing::Jwks;
use crate::state::AppState;

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys", operation_id = "jwks",
    summary = "The public signing keys (JWKS)",
    responses((status = 200, description = "`{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\", \"kid\", \"use\": \"sig\", \"alg\": \"EdDSA\"}]}`; empty with HS256 unless EdDSA tokens may still be valid",
        body = Jwks,
        headers(("Cache-Control" = String, description = "`public, max-age=300`")))))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .content_type("application/json")
        .body(state.tokens.ring().jwks.clone())
}
