//! The list query of `GET /admin/users` as React Admin's `ra-data-json-server` sends it: one
//! struct is both what the OpenAPI document shows and what the query string is read into.

use serde::Deserialize;

use crate::domain::GroupName;
use crate::error::ApiError;
use crate::http::paging::{self, Order};
use crate::store::{UserQuery, UserSort};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Index of the first record of the page (0-based).
    #[param(minimum = 0, maximum = 18446744073709551615_u64, format = "uint64")]
    _start: Option<u64>,
    /// Index after the last record of the page; not less than `_start`.
    #[param(minimum = 0, maximum = 18446744073709551615_u64, format = "uint64")]
    _end: Option<u64>,
    /// Sort field (`id` is the username); default `username`.
    #[param(inline)]
    _sort: Option<SortField>,
    /// Sort order (case-insensitive); default `ASC`.
    #[param(inline)]
    _order: Option<Order>,
    /// Case-insensitive substring of username, email or full name.
    q: Option<String>,
    disabled: Option<bool>,
    admin: Option<bool>,
    /// Only these usernames (React Admin's getMany): `?id=a&id=b`.
    #[param(style = Form, explode)]
    id: Option<Vec<String>>,
    /// Only members of this group.
    #[param(
        pattern = "^[a-z0-9][a-z0-9._-]{0,63}$",
        min_length = 1,
        max_length = 64
    )]
    group: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[allow(non_camel_case_types)]
pub enum SortField {
    id,
    username,
    email,
    full_name,
    created_at,
    disabled,
    admin,
}

pub fn parse(query_string: &str) -> Result<UserQuery, ApiError> {
    let params: ListParams = paging::query(query_string)?;
    let group = params
        .group
        .map(|name| GroupName::parse(&name).map(|g| g.to_string()))
        .transpose()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    let (offset, limit) = paging::page(params._start, params._end)?;
    Ok(UserQuery {
        offset,
        limit,
        sort: params._sort.map_or(UserSort::Username, UserSort::from),
        descending: params._order == Some(Order::DESC),
        search: params
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        disabled: params.disabled,
        admin: params.admin,
        usernames: params.id,
        group,
    })
}

impl From<SortField> for UserSort {
    fn from(field: SortField) -> UserSort {
        match field {
            SortField::id | SortField::username => UserSort::Username,
            SortField::email => UserSort::Email,
            SortField::full_name => UserSort::FullName,
            SortField::created_at => UserSort::CreatedAt,
            SortField::disabled => UserSort::Disabled,
            SortField::admin => UserSort::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn react_admin_list_parameters_become_a_query() {
        let q =
            parse("_start=10&_end=25&_sort=email&_order=DESC&q=%20Ali%20&admin=false&id=a&id=b")
                .unwrap();
        assert_eq!((q.offset, q.limit), (10, Some(15)));
        assert_eq!((q.sort, q.descending), (UserSort::Email, true));
        assert_eq!(q.search.as_deref(), Some("Ali"));
        assert_eq!((q.admin, q.disabled), (Some(false), None));
        assert_eq!(q.usernames, Some(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn unknown_or_malformed_parameters_are_refused() {
        for bad in [
            "_sort=password_hash",
            "_order=up",
            "_start=-1",
            "_start=5&_end=2",
            "disabled=yes",
            "role=admin",
            "group=Ops",
            "group=",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(parse("").unwrap().limit, None);
    }
}
