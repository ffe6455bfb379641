//! The list query of `GET /admin/users` as React Admin's `ra-data-json-server` sends it; an unknown
//! parameter or value is 422 rather than silently ignored.

use crate::error::ApiError;
use crate::http::paging::{pairs, Range};
use crate::store::{UserQuery, UserSort};

/// The parameters as the OpenAPI document shows them; `parse` reads the
/// query string itself (repeated `id`s, unknown names refused), and a test
/// below checks that it takes every one shown here.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
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
    _order: Option<SortOrder>,
    /// Case-insensitive substring of username, email or full name.
    q: Option<String>,
    disabled: Option<bool>,
    admin: Option<bool>,
    /// Only these usernames (React Admin's getMany): `?id=a&id=b`.
    #[param(style = Form, explode)]
    id: Option<Vec<String>>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code, non_camel_case_types)]
pub enum SortField {
    id,
    username,
    email,
    full_name,
    created_at,
    disabled,
    admin,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum SortOrder {
    ASC,
    DESC,
}

pub fn parse(query_string: &str) -> Result<UserQuery, ApiError> {
    let mut query = UserQuery::default();
    let mut range = Range::default();
    for (key, value) in pairs(query_string)? {
        if range.take(&key, &value)? {
            continue;
        }
        match key.as_str() {
            "_sort" => query.sort = sort(&value)?,
            "_order" => query.descending = descending(&value)?,
            "q" => query.search = Some(value.trim().to_string()).filter(|q| !q.is_empty()),
            "disabled" => query.disabled = Some(boolean(&key, &value)?),
            "admin" => query.admin = Some(boolean(&key, &value)?),
            "id" => query.usernames.get_or_insert_with(Vec::new).push(value),
            _ => {
                return Err(ApiError::Invalid(format!(
                    "unknown query parameter {key}; use _start, _end, _sort, _order, q, id, disabled or admin"
                )))
            }
        }
    }
    (query.offset, query.limit) = range.finish()?;
    Ok(query)
}

fn boolean(key: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::Invalid(format!("{key} must be true or false"))),
    }
}

fn sort(value: &str) -> Result<UserSort, ApiError> {
    UserSort::parse(value).ok_or_else(|| {
        ApiError::Invalid(
            "_sort must be one of id, username, email, full_name, created_at, disabled, admin"
                .into(),
        )
    })
}

fn descending(value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_uppercase().as_str() {
        "ASC" => Ok(false),
        "DESC" => Ok(true),
        _ => Err(ApiError::Invalid("_order must be ASC or DESC".into())),
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
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(parse("").unwrap().limit, None);
    }

    #[test]
    fn every_documented_parameter_and_sort_value_is_taken() {
        use utoipa::IntoParams;
        let params = serde_json::to_value(ListParams::into_params(|| None)).unwrap();
        for param in params.as_array().unwrap() {
            let name = param["name"].as_str().unwrap();
            let sample = match name {
                "_start" | "_end" => "1",
                "disabled" | "admin" => "true",
                "_order" => "DESC",
                _ => "x",
            };
            if name == "_sort" {
                for value in param["schema"]["enum"].as_array().unwrap() {
                    let text = format!("_sort={}", value.as_str().unwrap());
                    assert!(parse(&text).is_ok(), "{text}");
                }
                continue;
            }
            assert!(parse(&format!("{name}={sample}")).is_ok(), "{name}");
        }
    }
}
