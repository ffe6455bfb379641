//! The rules file: TOML read into typed structs that refuse unknown keys, each value checked as it
//! is read, so every mistake is one line naming the line and what is wrong; then compiled once
//! into the matcher's `Rules`.

use std::path::{Path, PathBuf};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::matcher::{HostPattern, Policy, Rule, Rules};
use super::value::{Host, Method, PathPrefix, SubjectText};

/// Why a rules file was refused, on one line: `PATH: …` or `PATH:LINE: …`.
#[derive(Debug, thiserror::Error)]
pub enum AccessFileError {
    #[error("{}: cannot read the access rules: {cause}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        cause: std::io::Error,
    },
    #[error("{}:{cause}", .path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        cause: RulesError,
    },
}

/// A mistake in the rules' text: `LINE: what is wrong`, on one line.
#[derive(Debug, thiserror::Error)]
#[error("{line}: {}", .cause.message().trim().replace('\n', " "))]
pub struct RulesError {
    pub line: usize,
    /// Boxed: TOML's error is large, and every `Result` carrying it would be too.
    #[source]
    cause: Box<toml::de::Error>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    default_policy: DefaultPolicy,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "snake_case")]
enum DefaultPolicy {
    #[default]
    Deny,
    OneFactor,
    TwoFactor,
}

/// One `[[rules]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    hosts: Option<NonEmpty<Host>>,
    paths: Option<NonEmpty<PathPrefix>>,
    methods: Option<NonEmpty<Method>>,
    subjects: Option<NonEmpty<SubjectText>>,
    policy: RawPolicy,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawPolicy {
    Bypass,
    OneFactor,
    TwoFactor,
    Deny,
}

/// Reads and compiles the file at `path`; the error is `PATH:LINE: what is wrong`.
pub fn load(path: &Path) -> Result<Rules, AccessFileError> {
    let text = std::fs::read_to_string(path).map_err(|cause| AccessFileError::Read {
        path: path.into(),
        cause,
    })?;
    parse(&text).map_err(|cause| AccessFileError::Invalid {
        path: path.into(),
        cause,
    })
}

/// Compiles rules from TOML text; the error is `LINE: what is wrong`.
pub fn parse(text: &str) -> Result<Rules, RulesError> {
    let file: File = toml::from_str(text).map_err(|cause| RulesError {
        line: cause.span().map_or(1, |span| line_of(text, span.start)),
        cause: Box::new(cause),
    })?;
    let default_policy = match file.default_policy {
        DefaultPolicy::Deny => Policy::Deny,
        DefaultPolicy::OneFactor => Policy::OneFactor,
        DefaultPolicy::TwoFactor => Policy::TwoFactor,
    };
    Ok(Rules {
        rules: file.rules,
        default_policy,
    })
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).matches('\n').count() + 1
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let raw = RawRule::deserialize(d)?;
        let policy = match raw.policy {
            RawPolicy::Bypass => Policy::Bypass,
            RawPolicy::OneFactor => Policy::OneFactor,
            RawPolicy::TwoFactor => Policy::TwoFactor,
            RawPolicy::Deny => Policy::Deny,
        };
        if raw.subjects.is_some() && matches!(policy, Policy::Bypass | Policy::Deny) {
            return Err(D::Error::custom(
                "subjects are allowed on one_factor and two_factor rules only",
            ));
        }
        let hosts: Option<Vec<HostPattern>> =
            raw.hosts.map(|h| h.0.into_iter().map(|h| h.0).collect());
        let paths: Option<Vec<String>> = raw.paths.map(|p| p.0.into_iter().map(|p| p.0).collect());
        let label = match (&hosts, &paths) {
            (Some(hosts), _) => hosts.iter().map(host_text).collect::<Vec<_>>().join(", "),
            (None, Some(paths)) => paths.join(", "),
            (None, None) => "any host".into(),
        };
        Ok(Rule {
            label: label.into(),
            hosts,
            paths,
            methods: raw.methods.map(|m| m.0.into_iter().map(|m| m.0).collect()),
            subjects: raw.subjects.map(|s| s.0.into_iter().map(|s| s.0).collect()),
            policy,
        })
    }
}

fn host_text(host: &HostPattern) -> String {
    match host {
        HostPattern::Exact(name) => name.clone(),
        HostPattern::Subdomains(suffix) => format!("*{suffix}"),
    }
}

/// A list that names at least one entry (an empty one would match nothing).
struct NonEmpty<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmpty<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NonEmpty<T>, D::Error> {
        let list = Vec::<T>::deserialize(d)?;
        match list.is_empty() {
            true => Err(D::Error::custom(
                "an empty list matches nothing: leave the key out to match any",
            )),
            false => Ok(NonEmpty(list)),
        }
    }
}
