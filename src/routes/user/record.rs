//! The user record every client sees: `/user/me` and `/admin/users` answer with it (admins also
//! see whether a second factor is set).

use serde::Serialize;

use crate::clock;
use crate::store::User;

/// A user as clients see it (`id` is the username, as React Admin expects).
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserRecord {
    /// The username.
    pub id: String,
    pub username: String,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub full_name: Option<String>,
    pub disabled: bool,
    pub admin: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Sorted, without duplicates.
    #[schema(schema_with = crate::openapi::fields::groups)]
    pub groups: Vec<String>,
    /// In admin records only: the user has a second factor (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa: Option<bool>,
}

impl From<&User> for UserRecord {
    fn from(user: &User) -> UserRecord {
        UserRecord {
            id: user.username.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            disabled: user.disabled,
            admin: user.admin,
            created_at: clock::rfc3339(user.created_at),
            groups: user.groups.clone(),
            mfa: None,
        }
    }
}

impl UserRecord {
    /// The admin record: `mfa` says whether the user's id is in `with_mfa`.
    pub fn admin(user: &User, with_mfa: &[i64]) -> UserRecord {
        UserRecord {
            mfa: Some(with_mfa.contains(&user.id)),
            ..UserRecord::from(user)
        }
    }
}
