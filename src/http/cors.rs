//! CORS for the configured origins only: their responses allow credentials and expose
//! `X-Total-Count`, their preflights are answered here (never forward auth's, which answers by
//! its own rules); any other origin gets no CORS header at all. Kept by hand rather than `actix-cors` 0.7: that one adds the credentials and expose
//! headers to every response, same-origin and foreign ones included, and refuses a foreign
//! preflight with a plain-text 400 instead of the contract's `{detail, code}`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};

use crate::state::AppState;

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type";
const EXPOSE_HEADERS: &str = "X-Total-Count";
/// How long a browser may reuse a preflight answer.
const MAX_AGE_SECS: &str = "600";
/// Forward auth answers every method by its own rules: a proxy that sends
/// the original request's method would otherwise get a preflight's 204 for
/// an anonymous `OPTIONS`, and let it through.
const FORWARD_AUTH: &str = "/auth/verify";

pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(origin) = allowed_origin(&req) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if is_preflight(&req) {
        let answer = HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECS))
            .finish();
        let mut response = req.into_response(answer).map_into_right_body();
        allow(response.headers_mut(), origin);
        return Ok(response);
    }
    let mut response = next.call(req).await?.map_into_left_body();
    allow(response.headers_mut(), origin);
    Ok(response)
}

/// The request's `Origin`, when it is one of the configured origins.
fn allowed_origin(req: &ServiceRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let state = req.app_data::<web::Data<AppState>>()?;
    state
        .guard
        .is_cors_origin(origin.to_str().ok()?)
        .then(|| origin.clone())
}

fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req.path() != FORWARD_AUTH
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}
