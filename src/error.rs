//! The one error type of the HTTP API: each variant picks its status, `detail` text and `code`.
//! Policy: a client's mistake or a rule's refusal is a variant of its own with its text; a storage
//! outage is 503 `busy` (retry); anything else is `Internal`, which keeps its cause whole, logs it
//! with its chain of sources once where the 500 is answered, and never shows it.

use actix_web_httpauth::headers::www_authenticate::{bearer, WwwAuthenticate};
use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::store::{Cause, StoreError};

const REFRESH_FAILED: &str = "The refresh token has expired or was not found.";
const INVALID_CODE: &str = "Invalid or expired one-time code.";

/// The opaque second-step token of an `mfa_required` answer; never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaToken(pub String);

impl std::fmt::Debug for MfaToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaToken(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Incorrect username or password")]
    InvalidCredentials,
    /// Wrong current password on a password change: 400, so an SPA does not log out.
    #[error("Incorrect password")]
    WrongCurrentPassword,
    #[error("{REFRESH_FAILED}")]
    RefreshNotFound,
    #[error("{REFRESH_FAILED}")]
    RefreshExpired,
    #[error("{REFRESH_FAILED}")]
    ReuseDetected,
    #[error("{REFRESH_FAILED}")]
    Revoked,
    #[error("User account error.")]
    UserDisabled,
    #[error("Could not validate credentials")]
    InvalidToken,
    /// The password was right; the user has a second factor. Carries the
    /// `mfa_token` for `POST /user/token/mfa`.
    #[error("A one-time code is required.")]
    MfaRequired(MfaToken),
    /// Login: a wrong, reused or expired one-time code or `mfa_token`.
    #[error("{INVALID_CODE}")]
    InvalidCode,
    /// The same on a Bearer route: 400, so an SPA does not log out.
    #[error("{INVALID_CODE}")]
    WrongCode,
    #[error("Not authenticated")]
    NotAuthenticated,
    #[error("{0}")]
    Forbidden(&'static str),
    /// Forward auth: an access rule needs a second factor this session did not use.
    #[error("a second factor is required here")]
    SecondFactorRequired,
    #[error("{0}")]
    NotFound(&'static str),
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("Request body is larger than 16 KiB")]
    TooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Invalid(String),
    /// A well-formed request the server will not act on (a passkey
    /// registration that does not verify): 400, so an SPA does not log out.
    #[error("{0}")]
    Refused(String),
    #[error("Too many failed login attempts; try again later")]
    Throttled { retry_after_secs: u64 },
    #[error("Server is busy; try again shortly")]
    Busy,
    /// The database or its disk is full: an outage to retry, not a bug.
    #[error("Database or disk is full; try again later")]
    StorageFull,
    /// A bug or an outage: the body says only this; the cause and its
    /// sources are logged once, where the 500 is answered.
    #[error("Internal server error")]
    Internal(#[source] Cause),
}

/// The body of every error answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A human-readable message (the texts FastAPI's tutorial uses where it has one).
    pub detail: String,
    /// What a client should do: `invalid_credentials`, `not_found`, `expired`,
    /// `reuse_detected`, `revoked`, `user_disabled` and `invalid_token` are
    /// terminal (log out); `throttled` and `busy` are transient (retry after
    /// `Retry-After`); `mfa_required` asks for a one-time code and
    /// `invalid_code` says the code was wrong, used or expired.
    pub code: &'static str,
    /// Only with `mfa_required`: send it with the code to `POST /user/token/mfa`
    /// (single use, 5 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<String>,
}

impl ApiError {
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(std::sync::Arc::from(Box::<
            dyn std::error::Error + Send + Sync,
        >::from(cause.to_string())))
    }

    pub fn code(&self) -> &'static str {
        use ApiError::*;
        match self {
            InvalidCredentials | WrongCurrentPassword => "invalid_credentials",
            RefreshNotFound | NotFound(_) => "not_found",
            RefreshExpired => "expired",
            ReuseDetected => "reuse_detected",
            Revoked => "revoked",
            UserDisabled => "user_disabled",
            InvalidToken | NotAuthenticated => "invalid_token",
            MfaRequired(_) | SecondFactorRequired => "mfa_required",
            InvalidCode | WrongCode => "invalid_code",
            Forbidden(_) => "forbidden",
            MethodNotAllowed => "method_not_allowed",
            Conflict(_) => "conflict",
            TooLarge => "too_large",
            UnsupportedMediaType(_) => "unsupported_media_type",
            Invalid(_) | Refused(_) => "invalid_request",
            Throttled { .. } => "throttled",
            Busy | StorageFull => "busy",
            Internal(_) => "internal",
        }
    }

    /// What operators must see of a failure (its cause, never shown to the
    /// client), whatever shape the answer takes (JSON, or a portal page).
    pub fn log(&self) {
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(cause = %chain(cause.as_ref()), "request failed")
            }
            ApiError::StorageFull => log_storage_full(),
            _ => {}
        }
    }

    /// Seconds to wait before trying again, for the transient answers.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::Throttled { retry_after_secs } => Some((*retry_after_secs).max(1)),
            ApiError::Busy => Some(1),
            ApiError::StorageFull => Some(STORAGE_FULL_RETRY_SECS),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        use ApiError::*;
        match self {
            WrongCurrentPassword | WrongCode | Refused(_) => StatusCode::BAD_REQUEST,
            InvalidCredentials | RefreshNotFound | RefreshExpired | ReuseDetected | Revoked
            | UserDisabled | InvalidToken | NotAuthenticated | MfaRequired(_) | InvalidCode => {
                StatusCode::UNAUTHORIZED
            }
            Forbidden(_) | SecondFactorRequired => StatusCode::FORBIDDEN,
            NotFound(_) => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Conflict(_) => StatusCode::CONFLICT,
            TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Busy | StorageFull => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let mut response = HttpResponse::build(self.status_code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response.insert_header(WwwAuthenticate(bearer::Bearer::default()));
        }
        if let Some(secs) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ErrorBody {
                detail: self.to_string(),
                code: self.code(),
                mfa_token: match self {
                    ApiError::MfaRequired(token) => Some(token.0.clone()),
                    _ => None,
                },
            })
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Busy => ApiError::Busy,
            StoreError::Full => ApiError::StorageFull,
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Other(cause) => ApiError::Internal(cause),
        }
    }
}

/// The error and each of its sources, outermost first: "a: b: c".
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Clients wait this long before retrying a full disk: freeing space takes an operator.
const STORAGE_FULL_RETRY_SECS: u64 = 30;

/// Once a minute at most: while the disk is full every write request ends
/// here, and a line per request would fill what space is left.
fn log_storage_full() {
    static LAST: AtomicI64 = AtomicI64::new(i64::MIN);
    let now = crate::clock::now_ms();
    let last = LAST.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= 60_000
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::error!("database or disk is full: answering 503 busy until space is freed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not read the row")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_storage_bug_keeps_its_cause_and_the_log_names_the_whole_chain() {
        let io = std::io::Error::other("checksum mismatch");
        let error = ApiError::from(StoreError::other(Outer(io)));

        let ApiError::Internal(cause) = &error else {
            panic!("a storage bug is internal: {error:?}");
        };
        assert_eq!(
            chain(cause.as_ref()),
            "could not read the row: checksum mismatch"
        );
        assert_eq!(error.to_string(), "Internal server error", "never shown");
    }
}
