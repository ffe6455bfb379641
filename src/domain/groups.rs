//! Group names: 1–64 characters of lowercase ASCII letters, digits, `-`, `_` and `.`, starting
//! with a letter or digit. Checked where a name enters (forward auth's `?group=`, and the user
//! records that will carry groups), so the rest compares plain strings.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupName(String);

impl GroupName {
    pub fn parse(text: &str) -> Result<GroupName, String> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        let starts_well = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        match (1..=64).contains(&text.len()) && starts_well && text.chars().all(allowed) {
            true => Ok(GroupName(text.to_string())),
            false => Err(
                "a group name is 1-64 characters of a-z, 0-9, '-', '_' and '.', \
                 starting with a letter or digit"
                    .into(),
            ),
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
pub fn group_names(names: &[String]) -> Result<Vec<String>, String> {
    names
        .iter()
        .map(|name| match GroupName::parse(name) {
            Ok(group) => Ok(group.0),
            Err(why) => Err(format!("bad group name {name:?}: {why}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::GroupName;

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
