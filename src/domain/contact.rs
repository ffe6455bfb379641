//! A user's e-mail and full name, checked the same way for the admin API and the CLI: trimmed,
//! blank means none, bounded, and never a control or format character (no right-to-left override to
//! disguise a name).

use super::is_control_or_format;

const MAX_EMAIL: usize = 254;
const MAX_FULL_NAME: usize = 256;

/// Why an e-mail or full name was refused; the text is the API's `detail`
/// and never repeats the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("email must not contain control or format characters")]
    EmailHasControl,
    #[error("email must look like name@example.com")]
    EmailShape,
    #[error("full_name must be at most {MAX_FULL_NAME} characters, without control or format characters")]
    FullName,
}

/// `None` for a blank value; else the trimmed address, if it has the shape.
pub fn email(value: Option<String>) -> Result<Option<String>, ContactError> {
    let Some(value) = trimmed(value) else {
        return Ok(None);
    };
    if value.chars().any(is_control_or_format) {
        return Err(ContactError::EmailHasControl);
    }
    if is_email_shaped(&value) {
        Ok(Some(value))
    } else {
        Err(ContactError::EmailShape)
    }
}

/// `None` for a blank value; else the trimmed name, at most 256 characters.
pub fn full_name(value: Option<String>) -> Result<Option<String>, ContactError> {
    let Some(value) = trimmed(value) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_FULL_NAME || value.chars().any(is_control_or_format) {
        return Err(ContactError::FullName);
    }
    Ok(Some(value))
}

fn trimmed(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A shape check, not a deliverability check: one `@` with a non-empty local
/// part before it and dot-separated non-empty labels after it.
fn is_email_shaped(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    text.chars().count() <= MAX_EMAIL
        && !local.is_empty()
        && !local.contains('@')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || is_control_or_format(c))
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_shape() {
        for good in [
            "a@example.com",
            "first.last+tag@mail.example.org",
            "ops@localhost",
        ] {
            assert!(is_email_shaped(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b@c.com",
            "a b@example.com",
            "a@.com",
            "a@example..com",
        ] {
            assert!(!is_email_shaped(bad), "{bad}");
        }
    }
}
