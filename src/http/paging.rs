//! React Admin's list queries, shared by every list route: the query string is read into the
//! route's own parameter struct, the one its OpenAPI operation shows (`?id=a&id=b` is a list; an
//! unknown, repeated or malformed parameter is 422 naming it), and `_start`/`_end` become an
//! offset and an optional limit.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

/// The query string as `T`.
pub fn query<T: DeserializeOwned>(query_string: &str) -> Result<T, ApiError> {
    let parameters = serde_html_form::Deserializer::from_bytes(query_string.as_bytes());
    serde_path_to_error::deserialize(parameters).map_err(|e| {
        let parameter = e.path().to_string();
        let problem = e.into_inner();
        ApiError::Invalid(match parameter.as_str() {
            "." => format!("Invalid query string: {problem}"),
            _ => format!("Invalid query parameter {parameter}: {problem}"),
        })
    })
}

/// `(offset, limit)` from `_start` and `_end`; no `_end` means no limit.
pub fn page(start: Option<u64>, end: Option<u64>) -> Result<(u64, Option<u64>), ApiError> {
    let offset = start.unwrap_or(0);
    match end {
        Some(end) if end < offset => Err(ApiError::Invalid(
            "_end must not be less than _start".into(),
        )),
        Some(end) => Ok((offset, Some(end - offset))),
        None => Ok((offset, None)),
    }
}

// `_order`, in any letter case (a doc comment would show in the document's inlined schemas).
#[derive(Clone, Copy, PartialEq, Debug, utoipa::ToSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum Order {
    ASC,
    DESC,
}

impl<'de> Deserialize<'de> for Order {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Order, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.to_ascii_uppercase().as_str() {
            "ASC" => Ok(Order::ASC),
            "DESC" => Ok(Order::DESC),
            _ => Err(D::Error::custom("must be ASC or DESC")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        _start: Option<u64>,
        _order: Option<Order>,
        id: Option<Vec<String>>,
    }

    fn refusal(query_string: &str) -> String {
        match query::<Sample>(query_string) {
            Err(ApiError::Invalid(message)) => message,
            other => panic!("{query_string} gave {other:?}"),
        }
    }

    #[test]
    fn repeated_ids_are_a_list_and_the_order_any_case() {
        let sample: Sample = query("id=a&_order=desc&id=b").unwrap();
        assert_eq!(sample.id, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(sample._order, Some(Order::DESC));
        assert!(query::<Sample>("").unwrap().id.is_none());
    }

    #[test]
    fn a_refusal_names_the_parameter_at_fault() {
        assert!(refusal("_start=-1").contains("_start"));
        assert!(refusal("_order=up").contains("_order: must be ASC or DESC"));
        assert!(refusal("role=admin").contains("unknown field `role`"));
        assert!(refusal("_start=1&_start=2").contains("_start"));
    }

    #[test]
    fn end_before_start_is_refused() {
        assert_eq!(page(Some(10), Some(25)).unwrap(), (10, Some(15)));
        assert_eq!(page(None, None).unwrap(), (0, None));
        assert!(page(Some(5), Some(2)).is_err());
    }
}
