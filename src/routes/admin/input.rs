//! Admin request bodies, checked once: a valid username, an e-mail of the right shape, a password
//! of 8–1024 characters. `id` and `created_at` are accepted and ignored, since React Admin sends
//! whole records back.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use crate::domain::{self, NewPassword, Username};
use crate::error::ApiError;
use crate::openapi::fields;
use crate::store::{GroupsChange, NewUser, UserChange};

/// A new user. The username is 1–64 letters or digits (of any script),
/// `.`, `_`, `-` or `@` after NFKC, unique under Unicode case folding.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[schema(value_type = String, required = true, pattern = r"^[\w.@-]{1,64}$", example = "alice")]
    username: Option<String>,
    #[schema(value_type = String, required = true, min_length = 8, max_length = 1024, format = Password)]
    password: Option<String>,
    #[schema(schema_with = fields::email)]
    email: Option<String>,
    #[schema(schema_with = fields::full_name)]
    full_name: Option<String>,
    admin: Option<bool>,
    disabled: Option<bool>,
    #[schema(schema_with = fields::groups_input)]
    groups: Option<Vec<String>>,
}

impl CreateBody {
    /// The user to insert (its hash still empty) and its password.
    pub fn validate(self) -> Result<(NewUser, NewPassword), ApiError> {
        let username = Username::parse(self.username.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let password = NewPassword::parse(self.password.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let user = NewUser {
            username: username.to_string(),
            email: email(self.email)?,
            full_name: full_name(self.full_name)?,
            password_hash: String::new(),
            admin: self.admin.unwrap_or(false),
            disabled: self.disabled.unwrap_or(false),
            groups: groups(self.groups.unwrap_or_default())?,
        };
        Ok((user, password))
    }
}

/// PUT and PATCH alike: a field that is absent (or a null `admin`,
/// `disabled` or `password`) stays as it is; a null or empty `email` or
/// `full_name` clears it; `id`, `created_at` and `mfa` are accepted and ignored,
/// so a whole record can be sent back.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    #[serde(rename = "id", default)]
    #[schema(value_type = Value)]
    _id: IgnoredAny,
    #[serde(rename = "created_at", default)]
    #[schema(value_type = Value)]
    _created_at: IgnoredAny,
    /// Read-only: changed only by the user or `DELETE /admin/users/{username}/mfa`.
    #[serde(rename = "mfa", default)]
    #[schema(value_type = Value)]
    _mfa: IgnoredAny,
    /// Read-only: changed only by the user or `DELETE /admin/users/{username}/passkeys`.
    #[serde(rename = "passkeys", default)]
    #[schema(value_type = Value)]
    _passkeys: IgnoredAny,
    /// If sent, it must be the user's own in any spelling (the API renames no one).
    username: Option<String>,
    /// `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::email)]
    email: Option<Option<String>>,
    /// `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = fields::full_name)]
    full_name: Option<Option<String>>,
    admin: Option<bool>,
    disabled: Option<bool>,
    /// When sent, the user's whole set of groups (`null` leaves it as it is).
    #[schema(schema_with = fields::groups_input)]
    groups: Option<Vec<String>>,
    /// Empty means "unchanged": an edit form's blank password field.
    #[schema(pattern = r"^$|^[\s\S]{8,1024}$", format = Password)]
    password: Option<String>,
}

impl ChangeBody {
    /// The change (its hash not yet computed) and the new password, if any.
    pub fn validate(self, username: &str) -> Result<(UserChange, Option<NewPassword>), ApiError> {
        if let Some(given) = &self.username {
            if domain::name_key(given) != domain::name_key(username) {
                return Err(ApiError::Invalid(
                    "username cannot be changed; create a new user instead".into(),
                ));
            }
        }
        let password = match self.password.filter(|p| !p.is_empty()) {
            Some(p) => Some(NewPassword::parse(&p).map_err(|e| ApiError::Invalid(e.to_string()))?),
            None => None,
        };
        let change = UserChange {
            email: self.email.map(email).transpose()?,
            full_name: self.full_name.map(full_name).transpose()?,
            admin: self.admin,
            disabled: self.disabled,
            password_hash: None,
            groups: self
                .groups
                .map(groups)
                .transpose()?
                .map(GroupsChange::Replace),
        };
        Ok((change, password))
    }
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Valid group names, sorted, without duplicates; the first bad one is named.
fn groups(names: Vec<String>) -> Result<Vec<String>, ApiError> {
    let checked = domain::group_names(&names).map_err(|e| ApiError::Invalid(e.to_string()))?;
    Ok(GroupsChange::Replace(checked).apply(&[]))
}

fn email(value: Option<String>) -> Result<Option<String>, ApiError> {
    domain::email(value).map_err(|e| ApiError::Invalid(e.to_string()))
}

fn full_name(value: Option<String>) -> Result<Option<String>, ApiError> {
    domain::full_name(value).map_err(|e| ApiError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI patterns (which schemathesis generates from) take exactly
    /// what these checks take, trimming included.
    #[test]
    fn the_documented_patterns_take_exactly_what_is_taken() {
        let pattern = |schema: utoipa::openapi::schema::Object| {
            let value = serde_json::to_value(schema).unwrap();
            regex::Regex::new(value["pattern"].as_str().unwrap()).unwrap()
        };
        let documented = pattern(fields::email());
        for text in [
            "",
            " ",
            "a@example.com",
            " a@example.com\t",
            "\u{a0}a@x.org\u{3000}",
            "é@ü.de",
            "ops@localhost",
            "a b@example.com",
            "a@b@c.com",
            "@x.com",
            "a@",
            "a@-x.com",
            "a@x-.com",
            "a@x..com",
            "a\u{0}@x.com",
            "a@x.com\u{1c}",
        ] {
            let taken = email(Some(text.into())).is_ok();
            assert_eq!(taken, documented.is_match(text), "email {text:?}");
        }
        let documented = pattern(fields::full_name());
        let long = "x".repeat(256);
        for text in [
            String::new(),
            "Alice Example".into(),
            " Alice \n".into(),
            "Al\tice".into(),
            "A\u{7f}".into(),
            "\u{85}Bob\u{2028}".into(),
            long.clone(),
            format!(" {long}\t"),
            format!("{long}x"),
            "\u{1c}Bob".into(),
        ] {
            let taken = full_name(Some(text.clone())).is_ok();
            assert_eq!(taken, documented.is_match(&text), "full_name {text:?}");
        }
    }
}
