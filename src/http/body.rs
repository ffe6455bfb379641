//! Request bodies: a form (as OAuth2's password grant sends) or JSON, at most 16 KiB; a wrong type
//! is 415, anything unreadable 422.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub const MAX_BODY: usize = 16 * 1024;

/// A body read as a form or as JSON, by its `Content-Type`.
pub struct FormOrJson<T>(pub T);

enum Kind {
    Form,
    Json,
    /// No `Content-Type`: only an empty body is accepted (read as an empty
    /// form), so a bare POST is 422 "field is required" rather than a puzzling 415.
    Untyped,
}

impl<T: DeserializeOwned + 'static> FromRequest for FormOrJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let kind = body_kind(req);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            let kind = kind?;
            if declared_len.is_some_and(|len| len > MAX_BODY) {
                return Err(ApiError::TooLarge);
            }
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|_| ApiError::Invalid("Could not read the request body".into()))?;
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(ApiError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let parsed = match kind {
                Kind::Untyped if !body.is_empty() => Err(untyped()),
                Kind::Form | Kind::Untyped => serde_urlencoded::from_bytes(&body)
                    .map_err(|e| ApiError::Invalid(format!("Invalid form body: {e}"))),
                Kind::Json => json_object(&body),
            };
            parsed.map(FormOrJson)
        })
    }
}

fn body_kind(req: &HttpRequest) -> Result<Kind, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => Ok(Kind::Form),
        "" if content_type.is_empty() => Ok(Kind::Untyped),
        "application/json" => Ok(Kind::Json),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other} is not supported; use application/x-www-form-urlencoded or application/json"
        ))),
    }
}

/// A body is never guessed to be a form: that would let a page post one
/// with no type at all.
fn untyped() -> ApiError {
    ApiError::UnsupportedMediaType(
        "A request body needs a Content-Type: application/x-www-form-urlencoded or application/json"
            .into(),
    )
}

/// Only an object: serde would otherwise read a struct from a JSON array
/// (`["alice", "secret"]`) by position.
fn json_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let invalid = |e: serde_json::Error| ApiError::Invalid(format!("Invalid JSON body: {e}"));
    match serde_json::from_slice(body).map_err(invalid)? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(invalid),
        _ => Err(ApiError::Invalid(
            "Invalid JSON body: expected an object".into(),
        )),
    }
}

/// A required text field: present and not blank.
pub fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => Err(ApiError::Invalid(format!("{name} must not be empty"))),
        None => Err(ApiError::Invalid(format!("{name} is required"))),
    }
}

/// Reads a `FormOrJson` body inside a handler, after its caller was
/// authenticated, so an anonymous request gets 401 rather than a body error.
pub async fn read_after_auth<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: actix_web::web::Payload,
) -> Result<T, ApiError> {
    let FormOrJson(body) = FormOrJson::<T>::from_request(req, &mut payload.into_inner()).await?;
    Ok(body)
}
