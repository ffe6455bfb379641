//! The access rules as one pure decision: the first rule whose hosts, paths, methods and subjects
//! match decides; an anonymous caller is decided by the first rule matching on hosts, paths and
//! methods alone; nothing matching falls to the default policy. No I/O here.

use std::cell::OnceCell;
use std::fmt;
use std::sync::Arc;

use super::target::Target;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Bypass,
    OneFactor,
    TwoFactor,
    Deny,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Bypass => "bypass",
            Policy::OneFactor => "one_factor",
            Policy::TwoFactor => "two_factor",
            Policy::Deny => "deny",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// `*.example.com`, kept as `.example.com`: subdomains at any depth.
    Subdomains(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// By the name's key (`domain::name_key`): every spelling of the name.
    User(String),
    Group(String),
    Admin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// What `access check` shows in parentheses (the hosts, else the paths);
    /// shared, so a decision names its rule without copying the text.
    pub label: Arc<str>,
    pub hosts: Option<Vec<HostPattern>>,
    /// Resolved prefixes (see `target::resolved_path`), without a trailing slash.
    pub paths: Option<Vec<String>>,
    pub methods: Option<Vec<String>>,
    pub subjects: Option<Vec<Subject>>,
    pub policy: Policy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub rules: Vec<Rule>,
    /// Never `Bypass`.
    pub default_policy: Policy,
}

/// A signed-in caller as the rules see it.
#[derive(Clone, Copy, Debug)]
pub struct Who<'a> {
    pub username: &'a str,
    pub groups: &'a [String],
    pub admin: bool,
    /// This session signed in with a second factor.
    pub second_factor: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Deny,
    /// Anonymous, and only a signed-in caller could pass: 401.
    SignIn,
    /// Signed in without the second factor a `two_factor` rule needs: 403 `mfa_required`.
    SecondFactor,
}

impl Outcome {
    /// The metrics label: `allow`, `deny` or `sign_in`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny | Outcome::SecondFactor => "deny",
            Outcome::SignIn => "sign_in",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// The deciding rule (0-based) and its label; `None`: the default policy.
    pub rule: Option<(usize, Arc<str>)>,
    pub policy: Policy,
}

impl fmt::Display for Decision {
    /// `rule 2 (grafana.example.com): two_factor → allow`, or `default: deny`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match self.outcome {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::SignIn => "sign in first",
            Outcome::SecondFactor => "deny (a second factor is required)",
        };
        match &self.rule {
            Some((at, label)) => write!(
                f,
                "rule {} ({label}): {} → {outcome}",
                at + 1,
                self.policy.as_str()
            ),
            None => write!(f, "default: {} → {outcome}", self.policy.as_str()),
        }
    }
}

impl Rules {
    pub fn decide(&self, target: &Target, who: Option<&Who>) -> Decision {
        // The caller's name key costs a Unicode normalisation: made once,
        // and only when a `user:` subject is reached.
        let key = OnceCell::new();
        let found = self.rules.iter().enumerate().find(|(_, rule)| {
            rule.matches_request(target) && who.is_none_or(|who| rule.matches_subject(who, &key))
        });
        let (rule, policy) = match found {
            Some((at, rule)) => (Some((at, rule.label.clone())), rule.policy),
            None => (None, self.default_policy),
        };
        let outcome = match (policy, who) {
            (Policy::Bypass, _) => Outcome::Allow,
            (Policy::Deny, _) => Outcome::Deny,
            (_, None) => Outcome::SignIn,
            (Policy::TwoFactor, Some(who)) if !who.second_factor => Outcome::SecondFactor,
            (_, Some(_)) => Outcome::Allow,
        };
        Decision {
            outcome,
            rule,
            policy,
        }
    }
}

impl Rule {
    fn matches_request(&self, target: &Target) -> bool {
        let host = |pattern: &HostPattern| match pattern {
            HostPattern::Exact(name) => target.host == *name,
            HostPattern::Subdomains(suffix) => {
                target.host.len() > suffix.len() && target.host.ends_with(suffix.as_str())
            }
        };
        let path = |prefix: &String| {
            target.path.as_deref().is_some_and(|path| {
                prefix == "/"
                    || path == prefix
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        any(&self.hosts, host)
            && any(&self.paths, path)
            && any(&self.methods, |m| *m == target.method)
    }

    fn matches_subject(&self, who: &Who, key: &OnceCell<String>) -> bool {
        any(&self.subjects, |subject| match subject {
            Subject::User(name) => {
                *name == *key.get_or_init(|| crate::domain::name_key(who.username))
            }
            Subject::Group(group) => who.groups.contains(group),
            Subject::Admin => who.admin,
        })
    }
}

/// An absent list matches anything; a present one needs one entry to match.
fn any<T>(list: &Option<Vec<T>>, matches: impl Fn(&T) -> bool) -> bool {
    list.as_ref().is_none_or(|list| list.iter().any(matches))
}
