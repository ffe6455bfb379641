//! The user record every client sees: `/user/me` and `/admin/users` answer with it (admins also
//! see whether a second factor is set, and how many passkeys).

use serde::Serialize;

use crate::clock;
use crate::store::{Store, StoreResult, User};

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
    /// In admin records only: how many passkeys the user has (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passkeys: Option<u32>,
}

/// What admin records add to users, read once for a page of them.
#[derive(Default)]
pub struct AdminExtras {
    with_mfa: Vec<i64>,
    passkeys: Vec<(i64, u32)>,
}

impl AdminExtras {
    pub fn read(store: &dyn Store, user_ids: &[i64]) -> StoreResult<AdminExtras> {
        Ok(AdminExtras {
            with_mfa: store.users_with_mfa(user_ids)?,
            passkeys: store.passkey_counts(user_ids)?,
        })
    }
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
            passkeys: None,
        }
    }
}

impl UserRecord {
    /// The admin record, with what `extras` says of the user.
    pub fn admin(user: &User, extras: &AdminExtras) -> UserRecord {
        let passkeys = extras.passkeys.iter().find(|(id, _)| *id == user.id);
        UserRecord {
            mfa: Some(extras.with_mfa.contains(&user.id)),
            passkeys: Some(passkeys.map_or(0, |(_, count)| *count)),
            ..UserRecord::from(user)
        }
    }
}
