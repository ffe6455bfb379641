//! Group names: 1–64 characters of lowercase ASCII letters, digits, `-`, `_` and `.`, starting
//! with a letter or digit. Checked where a name enters (forward auth's `?group=`, and the user
//! records that will carry groups), so the rest compares plain strings.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupName(String);

/// A name outside the rules; the text is the API's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a group name is 1-64 characters of a-z, 0-9, '-', '_' and '.', starting with a letter or digit"
)]
pub struct GroupNameError;

/// The first bad name of a list, named (escaped, so it cannot garble a terminal).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad group name {name:?}: {cause}")]
pub struct BadGroupName {
    pub name: String,
    #[source]
    pub cause: GroupNameError,
}

impl GroupName {
    pub fn parse(text: &str) -> Result<GroupName, GroupNameError> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        let starts_well = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        match (1..=64).contains(&text.len()) && starts_well && text.chars().all(allowed) {
            true => Ok(GroupName(text.to_string())),
            false => Err(GroupNameError),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Each name checked, in order; the error names the first bad one.
pub fn group_names(names: &[String]) -> Result<Vec<String>, BadGroupName> {
    names
        .iter()
        .map(|name| match GroupName::parse(name) {
            Ok(group) => Ok(group.0),
            Err(cause) => Err(BadGroupName {
                name: name.clone(),
                cause,
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{group_names, GroupName};

    #[test]
    fn the_first_bad_name_of_a_list_is_named_escaped() {
        let names = [
            "ops".to_string(),
            "a\u{202e}b".to_string(),
            "Dev".to_string(),
        ];
        assert_eq!(
            group_names(&names).unwrap_err().to_string(),
            "bad group name \"a\\u{202e}b\": a group name is 1-64 characters of a-z, 0-9, \
             '-', '_' and '.', starting with a letter or digit"
        );
    }

    #[test]
    fn names_of_the_documented_shape_parse_and_others_do_not() {
        for good in ["ops", "dev-team", "billing_2", "a", "9.x", &"a".repeat(64)] {
            assert!(GroupName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Ops",
            "-ops",
            ".ops",
            "_ops",
            "op s",
            "ops/",
            "öps",
            &"a".repeat(65),
        ] {
            assert!(GroupName::parse(bad).is_err(), "{bad}");
        }
    }
}
