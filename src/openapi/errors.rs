//! The documented error answers. Each one names the `ApiError`s it stands for, so its status, its
//! `code` values, its examples and its headers (`WWW-Authenticate`, `Retry-After`) come from the
//! error type itself and cannot drift from it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::ResponseError;
use serde_json::json;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};
use utoipa::IntoResponses;

use crate::error::{ApiError, MfaToken};

/// One reusable response under `components.responses`.
pub struct Answer {
    pub name: &'static str,
    description: &'static str,
    pub errors: &'static [ApiError],
}

const UNAUTHORIZED: Answer = Answer {
    name: "Unauthorized",
    description: "No `Authorization: Bearer` header (`Not authenticated`), or a token that is invalid, expired, of an ended session or of a disabled or deleted user.",
    errors: &[ApiError::NotAuthenticated, ApiError::InvalidToken],
};
const LOGIN_FAILED: Answer = Answer {
    name: "LoginFailed",
    description: "Wrong username or password, or a disabled user: one answer for all, in body \
        and in timing (`invalid_credentials`). A user with a second factor and no code sent: \
        `mfa_required`, with the `mfa_token` for `POST /user/token/mfa`. A wrong, reused or \
        expired one-time code or `mfa_token`: `invalid_code`.",
    errors: &[
        ApiError::InvalidCredentials,
        ApiError::MfaRequired(MfaToken(String::new())),
        ApiError::InvalidCode,
    ],
};
const REFRESH_FAILED: Answer = Answer {
    name: "RefreshFailed",
    description: "No usable refresh cookie: none or unknown (`not_found`), `expired`, replayed after the grace (`reuse_detected`, the whole family is revoked), ended (`revoked`) or its user disabled (`user_disabled`). The client must log in again.",
    errors: &[
        ApiError::RefreshNotFound,
        ApiError::RefreshExpired,
        ApiError::ReuseDetected,
        ApiError::Revoked,
        ApiError::UserDisabled,
    ],
};
const WRONG_PASSWORD: Answer = Answer {
    name: "WrongCurrentPassword",
    description: "The current password is wrong (400, not 401, so a page does not take it for an ended session).",
    errors: &[ApiError::WrongCurrentPassword],
};
const WRONG_CODE: Answer = Answer {
    name: "WrongCode",
    description: "The one-time code is wrong or already used, or there is nothing to confirm (400, not 401, so a page does not take it for an ended session).",
    errors: &[ApiError::WrongCode],
};
const WRONG_PASSWORD_OR_CODE: Answer = Answer {
    name: "WrongPasswordOrCode",
    description: "The current password (`invalid_credentials`) or the one-time code (`invalid_code`) is wrong (400, not 401).",
    errors: &[ApiError::WrongCurrentPassword, ApiError::WrongCode],
};
const CROSS_ORIGIN: Answer = Answer {
    name: "CrossOrigin",
    description: "A request from another site's page (`Origin` or `Sec-Fetch-Site: cross-site`) to a route that reads the refresh cookie; the cookie is not used up.",
    errors: &[ApiError::Forbidden("Cross-origin request refused")],
};
const NOT_ADMIN: Answer = Answer {
    name: "AdminRoleRequired",
    description: "The caller is not an admin.",
    errors: &[ApiError::Forbidden("Admin role required")],
};
const NOT_FOUND: Answer = Answer {
    name: "NotFound",
    description: "No such user, session or file.",
    errors: &[ApiError::NotFound("User not found")],
};
const CONFLICT: Answer = Answer {
    name: "Conflict",
    description:
        "The username is taken (in any case or spelling: Unicode case folding after NFKC), or the change would leave no enabled admin.",
    errors: &[ApiError::Conflict(String::new())],
};
const TOO_LARGE: Answer = Answer {
    name: "TooLarge",
    description: "The body is over 16 KiB.",
    errors: &[ApiError::TooLarge],
};
const UNSUPPORTED: Answer = Answer {
    name: "UnsupportedMediaType",
    description: "The body's `Content-Type` is missing, or neither `application/x-www-form-urlencoded` nor `application/json`.",
    errors: &[ApiError::UnsupportedMediaType(String::new())],
};
const INVALID: Answer = Answer {
    name: "Invalid",
    description: "The body or query fails validation: a missing or empty field, a wrong type, bad JSON or form, a value out of range.",
    errors: &[ApiError::Invalid(String::new())],
};
const PASSKEY_REFUSED: Answer = Answer {
    name: "PasskeyRefused",
    description: "The passkey was not registered: its attestation did not verify (wrong origin or relying party, no user verification), the `challenge_id` is unknown, used or expired, or the passkey is registered already. Nothing was stored.",
    errors: &[ApiError::Refused(String::new())],
};
const PASSKEY_SIGN_IN_FAILED: Answer = Answer {
    name: "PasskeySignInFailed",
    description: "The assertion did not verify, the `challenge_id` is unknown, used or expired, the passkey is unknown, its user disabled, or its signature counter did not move on (a copied key): one answer for all (`invalid_credentials`).",
    errors: &[ApiError::InvalidCredentials],
};
const THROTTLED: Answer = Answer {
    name: "Throttled",
    description: "Too many failed attempts for this username or client address within the window (or, for a passkey sign-in's first step, too many begun from this address and not yet finished); retry after `Retry-After` seconds.",
    errors: &[ApiError::Throttled {
        retry_after_secs: 60,
    }],
};
const BUSY: Answer = Answer {
    name: "Busy",
    description: "No password-hashing slot or database connection in time, or the disk is full; retry after `Retry-After` seconds.",
    errors: &[ApiError::Busy, ApiError::StorageFull],
};

/// Every answer, for `components.responses`.
pub const ALL: &[&Answer] = &[
    &UNAUTHORIZED,
    &LOGIN_FAILED,
    &REFRESH_FAILED,
    &WRONG_PASSWORD,
    &WRONG_CODE,
    &WRONG_PASSWORD_OR_CODE,
    &CROSS_ORIGIN,
    &NOT_ADMIN,
    &NOT_FOUND,
    &CONFLICT,
    &TOO_LARGE,
    &UNSUPPORTED,
    &INVALID,
    &PASSKEY_REFUSED,
    &PASSKEY_SIGN_IN_FAILED,
    &THROTTLED,
    &BUSY,
];

impl Answer {
    pub fn status(&self) -> StatusCode {
        self.errors[0].status_code()
    }

    /// The response: the `ErrorBody` schema with `code` narrowed to this
    /// answer's codes, one example per error, and the headers it carries.
    pub fn response(&self) -> Response {
        let mut codes: Vec<&str> = self.errors.iter().map(ApiError::code).collect();
        codes.dedup();
        let narrowed = ObjectBuilder::new().property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes)),
        );
        let schema = AllOfBuilder::new()
            .item(Ref::from_schema_name("ErrorBody"))
            .item(narrowed);
        let content = self.errors.iter().fold(
            ContentBuilder::new().schema(Some(Schema::AllOf(schema.build()))),
            |content, error| {
                let mut example = json!({"detail": example_detail(error), "code": error.code()});
                if let ApiError::MfaRequired(_) = error {
                    example["mfa_token"] = json!("q7v0mS3b9wV6wq0nUe1R2l0uU5gk3l9YkTt7w3xQm9A");
                }
                content.examples_from_iter([(
                    error.code(),
                    ExampleBuilder::new().value(Some(example)).build(),
                )])
            },
        );
        let mut response = ResponseBuilder::new()
            .description(self.description)
            .content("application/json", content.build());
        if self.status() == StatusCode::UNAUTHORIZED {
            let header = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("Always `Bearer`."));
            response = response.header("WWW-Authenticate", header.build());
        }
        if matches!(self.status().as_u16(), 429 | 503) {
            let header = HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds to wait before retrying."));
            response = response.header("Retry-After", header.build());
        }
        response.build()
    }

    fn reference(&self) -> (String, RefOr<Response>) {
        let target = format!("#/components/responses/{}", self.name);
        (
            self.status().as_str().to_string(),
            RefOr::Ref(Ref::new(target)),
        )
    }
}

/// Errors whose text is chosen at the call site show a typical one.
fn example_detail(error: &ApiError) -> String {
    match error {
        ApiError::Conflict(_) => "User alice already exists".into(),
        ApiError::UnsupportedMediaType(_) => "Content-Type text/plain is not supported; use application/x-www-form-urlencoded or application/json".into(),
        ApiError::Invalid(_) => "username is required".into(),
        ApiError::Refused(_) => "The passkey was not registered: it did not verify.".into(),
        other => other.to_string(),
    }
}

/// Sets of answers for `responses(...)` in `#[utoipa::path]`, each
/// contributing its statuses as references to `components.responses`.
macro_rules! answer_sets {
    ($($(#[$doc:meta])* $set:ident = [$($answer:ident),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $set;

            impl IntoResponses for $set {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    [$(&$answer),+].into_iter().map(Answer::reference).collect()
                }
            }
        )+
    };
}

answer_sets! {
    /// Routes behind `Authorization: Bearer`.
    Bearer = [UNAUTHORIZED, BUSY];
    /// Routes behind `Authorization: Bearer` of an admin.
    AdminOnly = [UNAUTHORIZED, NOT_ADMIN, BUSY];
    /// Routes that read a form or JSON body.
    Body = [TOO_LARGE, UNSUPPORTED, INVALID];
    /// Routes that read the refresh cookie.
    CookieRoute = [CROSS_ORIGIN, BUSY];
    LoginFailed = [LOGIN_FAILED, THROTTLED];
    RefreshFailed = [REFRESH_FAILED];
    WrongCurrentPassword = [WRONG_PASSWORD, THROTTLED];
    WrongCode = [WRONG_CODE, THROTTLED];
    WrongPasswordOrCode = [WRONG_PASSWORD_OR_CODE, THROTTLED];
    NotFound = [NOT_FOUND];
    Conflict = [CONFLICT];
    Invalid = [INVALID];
    Busy = [BUSY];
    PasskeyRefused = [PASSKEY_REFUSED];
    PasskeySignInFailed = [PASSKEY_SIGN_IN_FAILED, THROTTLED];
    Throttled = [THROTTLED];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_stands_for_errors_of_one_status() {
        for answer in ALL {
            for error in answer.errors {
                assert_eq!(error.status_code(), answer.status(), "{}", answer.name);
            }
        }
    }
}
