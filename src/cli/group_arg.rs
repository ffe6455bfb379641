//! `--group`, `--add` and `--remove` values: group names checked as the admin API checks them.

use std::ffi::OsStr;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

use crate::domain;

/// A group name (see `domain::GroupName`); a bad one is a usage error
/// (exit 2) naming it, escaped so it cannot garble the terminal.
#[derive(Clone)]
pub(super) struct GroupArg;

impl TypedValueParser for GroupArg {
    type Value = String;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let name = value.to_string_lossy().into_owned();
        domain::group_names(std::slice::from_ref(&name))
            .map(|mut names| names.remove(0))
            .map_err(|why| clap::Error::raw(ErrorKind::ValueValidation, why.to_string() + "\n"))
    }
}
