//! What the passkey routes accept from a body: a name people read in lists, and the browser's
//! answer, which the relying party library checks whole.

use serde_json::Value;

use crate::auth::passkeys::MAX_NAME_CHARS;
use crate::error::ApiError;
use crate::http::body::required;

/// A passkey's name: 1–64 characters, no control or format characters.
pub(super) fn passkey_name(name: Option<String>) -> Result<String, ApiError> {
    let name = required(name, "name")?.trim().to_string();
    let plain = !name.chars().any(|c| c.is_control() || is_format(c));
    if name.chars().count() > MAX_NAME_CHARS || !plain {
        return Err(ApiError::Invalid(format!(
            "name must be 1–{MAX_NAME_CHARS} characters without control characters"
        )));
    }
    Ok(name)
}

/// Unicode Cf characters that can reorder or hide text.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// The browser's answer, which must be a JSON object.
pub(crate) fn credential(value: Option<Value>) -> Result<Value, ApiError> {
    match value {
        Some(value) if value.is_object() => Ok(value),
        Some(_) => Err(ApiError::Invalid("credential must be a JSON object".into())),
        None => Err(ApiError::Invalid("credential is required".into())),
    }
}
