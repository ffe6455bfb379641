//! The rules file: TOML read into typed structs that refuse unknown keys, each value checked as it
//! is read, so every mistake is one line naming the line and what is wrong; then compiled once
//! into the matcher's `Rules`.

use std::path::Path;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::matcher::{HostPattern, Policy, Rule, Rules, Subject};
use super::target::{host_name, resolved_path};
use crate::domain::{self, GroupName};

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
pub fn load(path: &Path) -> Result<Rules, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the access rules: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// Compiles rules from TOML text; the error is `LINE: what is wrong`.
pub fn parse(text: &str) -> Result<Rules, String> {
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(text, span.start));
        format!("{line}: {}", e.message().trim().replace('\n', " "))
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
            label,
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

/// Reads a string and checks it with `check`, whose refusal names the value.
fn checked<'de, D: Deserializer<'de>, T>(
    d: D,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    check(&text).map_err(|why| D::Error::custom(format!("{text:?}: {why}")))
}

struct Host(HostPattern);

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
                return Err("a host is a name like app.example.com or *.example.com, without a scheme, port or path".into());
            }
            if text.contains(':') {
                return Err("a host is written without a scheme or port".into());
            }
            Ok(Host(match wild {
                true => HostPattern::Subdomains(format!(".{name}")),
                false => HostPattern::Exact(name),
            }))
        })
    }
}

struct PathPrefix(String);

impl<'de> Deserialize<'de> for PathPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PathPrefix, D::Error> {
        checked(d, |text| {
            if !text.starts_with('/') {
                return Err("a path starts with /".into());
            }
            if text.contains([
                '*', '?', '[', ']', '(', ')', '^', '$', '|', '+', '{', '}', '\\', '%', '#', ';',
            ]) {
                return Err(
                    "a path is a plain prefix (no patterns, escapes, queries or parameters)".into(),
                );
            }
            let resolved = resolved_path(text).unwrap_or_default();
            if resolved != text.trim_end_matches('/') && !(resolved == "/" && text == "/") {
                return Err("a path is written resolved (no ., .. or //)".into());
            }
            Ok(PathPrefix(resolved))
        })
    }
}

struct Method(String);

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
        checked(d, |text| {
            match !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphabetic()) {
                true => Ok(Method(text.to_ascii_uppercase())),
                false => Err("a method is a word like GET".into()),
            }
        })
    }
}

struct SubjectText(Subject);

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
                Some(("role", _)) => return Err("the only role is role:admin".into()),
                _ => return Err("a subject is user:NAME, group:NAME or role:admin".into()),
            };
            Ok(SubjectText(subject))
        })
    }
}
