//! Text arguments checked by the admin API's own rules before anything is opened: a refusal is a
//! usage error (exit 2) in one line, naming the value only where it is safe to show.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Display;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

use crate::domain::{self, ContactError, GroupName, GroupNameError};

/// A value checked by `check`. `named_as` introduces the value in a
/// refusal, escaped so it cannot garble the terminal; `None` never echoes
/// it (an e-mail or a full name may hold a right-to-left override).
#[derive(Clone, Copy)]
pub(super) struct Checked<E> {
    check: fn(&str) -> Result<String, E>,
    named_as: Option<&'static str>,
}

impl<E> Checked<E> {
    pub(super) fn new(
        check: fn(&str) -> Result<String, E>,
        named_as: Option<&'static str>,
    ) -> Self {
        Checked { check, named_as }
    }
}

impl Checked<GroupNameError> {
    /// `--group`, `--add` and `--remove` (see `domain::GroupName`).
    pub(super) fn group() -> Self {
        Checked::new(
            |text| GroupName::parse(text).map(|name| name.to_string()),
            Some("bad group name"),
        )
    }
}

impl Checked<ContactError> {
    pub(super) fn email() -> Self {
        Checked::new(
            |text| Ok(domain::email(Some(text.into()))?.unwrap_or_default()),
            None,
        )
    }

    pub(super) fn full_name() -> Self {
        Checked::new(
            |text| Ok(domain::full_name(Some(text.into()))?.unwrap_or_default()),
            None,
        )
    }
}

impl<E: Display + Clone + Send + Sync + 'static> TypedValueParser for Checked<E> {
    type Value = String;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let refuse = |reason: String| clap::Error::raw(ErrorKind::ValueValidation, reason + "\n");
        let text = value.to_string_lossy();
        // A value that is named may be shown lossily: the replacement
        // character marks the bad bytes. One never shown could pass its
        // check with the replacement in it, so it must be UTF-8.
        let Some(named_as) = self.named_as else {
            if let Cow::Owned(_) = text {
                return Err(refuse("arguments must be UTF-8".into()));
            }
            return (self.check)(&text).map_err(|why| refuse(why.to_string()));
        };
        (self.check)(&text).map_err(|why| refuse(format!("{named_as} {text:?}: {why}")))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use clap::builder::TypedValueParser;

    use super::Checked;

    /// clap's error rendered as the user reads it: the tests compare its text.
    fn parse<E>(parser: Checked<E>, value: &OsStr) -> Result<String, String>
    where
        Checked<E>: TypedValueParser<Value = String>,
    {
        let command = clap::Command::new("latchkey");
        parser
            .parse_ref(&command, None, value)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_refused_group_is_named_escaped_and_a_refused_email_is_not_echoed() {
        let group = parse(Checked::group(), OsStr::new("Ops\u{202e}"));
        assert_eq!(
            group.unwrap_err(),
            "error: bad group name \"Ops\\u{202e}\": a group name is 1-64 characters of a-z, \
             0-9, '-', '_' and '.', starting with a letter or digit\n"
        );
        let email = parse(Checked::email(), OsStr::new("bob\u{202e}@example.com"));
        assert_eq!(
            email.unwrap_err(),
            "error: email must not contain control or format characters\n"
        );
        assert_eq!(
            parse(Checked::full_name(), OsStr::new("  Bob B  ")).unwrap(),
            "Bob B"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_lossily_or_refused_unshown() {
        let bad = OsStr::from_bytes(b"ops\xff");
        let group = parse(Checked::group(), bad).unwrap_err();
        assert!(group.contains("\"ops\u{fffd}\""), "{group}");
        let email = parse(Checked::email(), OsStr::from_bytes(b"a\xff@example.com"));
        assert_eq!(email.unwrap_err(), "error: arguments must be UTF-8\n");
    }
}
