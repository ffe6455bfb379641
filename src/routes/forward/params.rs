//! `/auth/verify`'s query string: `admin` and `redirect` (each at most once, `true` or `false`)
//! and `group` (repeatable, each a valid group name). Anything else, a misspelt or differently
//! cased name included, is 422: a typo in a proxy's configuration never opens a location.

use crate::domain::GroupName;
use crate::error::ApiError;

/// What a proxy asked of forward auth.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VerifyParams {
    /// Only admins pass.
    pub admin: bool,
    /// The caller must be in one of these (none named: no group needed).
    pub groups: Vec<GroupName>,
    /// Send a browser to the portal instead of a 401.
    pub redirect: bool,
}

/// The query as the OpenAPI document shows it; `VerifyParams::parse` reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct VerifyQuery {
    /// `true`: only admins pass (others get 403).
    admin: Option<bool>,
    /// Repeatable: only members of one of these groups pass (others get 403).
    #[param(style = Form, explode, pattern = "^[a-z0-9][a-z0-9._-]{0,63}$", min_length = 1, max_length = 64)]
    group: Option<Vec<String>>,
    /// `true`: a browser (an original GET or HEAD accepting `text/html`) is sent to the sign-in portal instead of a 401.
    redirect: Option<bool>,
}

const NAMES: &str = "/auth/verify takes only admin, group and redirect";

impl VerifyParams {
    pub fn parse(query: &str) -> Result<VerifyParams, ApiError> {
        let invalid = |detail: String| ApiError::Invalid(detail);
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map_err(|_| invalid(format!("a malformed query string: {NAMES}")))?;
        let (mut params, mut admin, mut redirect) = (VerifyParams::default(), None, None);
        for (name, value) in pairs {
            match name.as_str() {
                "admin" => once(&mut admin, "admin", &value)?,
                "redirect" => once(&mut redirect, "redirect", &value)?,
                "group" => params
                    .groups
                    .push(GroupName::parse(&value).map_err(|e| invalid(e.to_string()))?),
                // Not echoed: the detail stays a fixed text.
                _ => return Err(invalid(format!("an unknown parameter: {NAMES}"))),
            }
        }
        params.admin = admin.unwrap_or(false);
        params.redirect = redirect.unwrap_or(false);
        Ok(params)
    }
}

/// A flag given at most once, as `true` or `false`.
fn once(slot: &mut Option<bool>, name: &str, value: &str) -> Result<(), ApiError> {
    let parsed = match value {
        "true" => true,
        "false" => false,
        _ => return Err(ApiError::Invalid(format!("{name} must be true or false"))),
    };
    match slot.replace(parsed) {
        None => Ok(()),
        Some(_) => Err(ApiError::Invalid(format!("{name} must be given once"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_parameters_parse() {
        let parsed = VerifyParams::parse("admin=true&group=ops&group=dev-team&redirect=false");
        let groups = ["ops", "dev-team"].map(|g| GroupName::parse(g).unwrap());
        assert_eq!(
            parsed.unwrap(),
            VerifyParams {
                admin: true,
                groups: groups.to_vec(),
                redirect: false
            }
        );
        assert_eq!(VerifyParams::parse("").unwrap(), VerifyParams::default());
    }

    #[test]
    fn anything_else_is_refused() {
        for query in [
            "Admin=true",
            "ADMIN=true",
            "admin[]=true",
            "is_admin=true",
            "admin=ture",
            "admin=true&admin=true",
            "admin",
            "group=",
            "group=Ops",
            "redirect=1",
            "groups=ops",
        ] {
            assert!(VerifyParams::parse(query).is_err(), "{query}");
        }
    }
}
