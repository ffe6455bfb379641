//! The values a rule names (hosts, path prefixes, methods, subjects), each checked as it is read
//! from the file; a refusal names the value and says what is wrong.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::matcher::{HostPattern, Subject};
use super::target::{host_name, resolved_path};
use crate::domain::{self, GroupName, GroupNameError, UsernameError};

/// What is wrong with one value; the file's error puts the value before it.
#[derive(Debug, thiserror::Error)]
enum ValueError {
    #[error(
        "a host is a name like app.example.com or *.example.com, without a scheme, port or path"
    )]
    HostShape,
    #[error("a host is written without a scheme or port")]
    HostWithPort,
    #[error("a path starts with /")]
    PathStart,
    #[error("a path is a plain prefix (no patterns, escapes, queries or parameters)")]
    PathPattern,
    #[error("a path is written resolved (no ., .. or //)")]
    PathUnresolved,
    #[error("a method is a word like GET")]
    Method,
    #[error(transparent)]
    User(#[from] UsernameError),
    #[error(transparent)]
    Group(#[from] GroupNameError),
    #[error("the only role is role:admin")]
    Role,
    #[error("a subject is user:NAME, group:NAME or role:admin")]
    Subject,
}

/// Reads a string and checks it with `check`, whose refusal names the value.
fn checked<'de, D: Deserializer<'de>, T>(
    d: D,
    check: impl FnOnce(&str) -> Result<T, ValueError>,
) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    check(&text).map_err(|why| D::Error::custom(format!("{text:?}: {why}")))
}

pub(super) struct Host(pub(super) HostPattern);

impl<'de> Deserialize<'de> for Host {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Host, D::Error> {
        checked(d, |text| {
            let (wild, name) = match text.strip_prefix("*.") {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let name = host_name(name);
            let fits = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
            if name.is_empty() || !name.chars().all(fits) || name != name.trim_end_matches('.') {
                return Err(ValueError::HostShape);
            }
            if text.contains(':') {
                return Err(ValueError::HostWithPort);
            }
            Ok(Host(match wild {
                true => HostPattern::Subdomains(format!(".{name}")),
                false => HostPattern::Exact(name),
            }))
        })
    }
}

pub(super) struct PathPrefix(pub(super) String);

impl<'de> Deserialize<'de> for PathPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PathPrefix, D::Error> {
        checked(d, |text| {
            if !text.starts_with('/') {
                return Err(ValueError::PathStart);
            }
            if text.contains([
                '*', '?', '[', ']', '(', ')', '^', '$', '|', '+', '{', '}', '\\', '%', '#', ';',
            ]) {
                return Err(ValueError::PathPattern);
            }
            let resolved = resolved_path(text).unwrap_or_default();
            if resolved != text.trim_end_matches('/') && !(resolved == "/" && text == "/") {
                return Err(ValueError::PathUnresolved);
            }
            Ok(PathPrefix(resolved))
        })
    }
}

pub(super) struct Method(pub(super) String);

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        checked(d, |text| {
            match !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphabetic()) {
                true => Ok(Method(text.to_ascii_uppercase())),
                false => Err(ValueError::Method),
            }
        })
    }
}

pub(super) struct SubjectText(pub(super) Subject);

impl<'de> Deserialize<'de> for SubjectText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SubjectText, D::Error> {
        checked(d, |text| {
            let subject = match text.split_once(':') {
                Some(("user", name)) => {
                    let name = domain::Username::parse(name)?;
                    Subject::User(domain::name_key(name.as_str()))
                }
                Some(("group", name)) => Subject::Group(GroupName::parse(name)?.to_string()),
                Some(("role", "admin")) => Subject::Admin,
                Some(("role", _)) => return Err(ValueError::Role),
                _ => return Err(ValueError::Subject),
            };
            Ok(SubjectText(subject))
        })
    }
}
