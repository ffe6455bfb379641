//! `latchkey access check URL`: which access rule decides a request, and how, without a proxy or a
//! server: the same matcher as forward auth over the same file. Exit 0 allow, 1 deny or sign-in
//! needed, 2 a usage error or a bad rules file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{users, CommandError, Refusal};
use crate::access::{self, AccessFileError, Outcome, Target, Who};
use crate::store::{Database, User};

/// Why no decision could be made (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum AccessCheckError {
    #[error("no rules to check: pass --access-rules FILE (or LATCHKEY_ACCESS_RULES)")]
    NoRules,
    #[error(transparent)]
    Rules(#[from] AccessFileError),
    #[error("{text:?} is not an absolute URL: {cause}")]
    NotAUrl {
        text: String,
        #[source]
        cause: url::ParseError,
    },
    #[error("the URL has no host")]
    NoHost,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    User(#[from] CommandError),
}

/// The access rules (see `--access-rules`).
#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Print the decision for a URL and the rule that made it.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The original request's URL, e.g. https://grafana.example.com/d/1.
    pub url: String,
    /// Decide for this user (its groups and role as stored); without it, for an anonymous caller.
    #[arg(long)]
    pub user: Option<String>,
    /// The original request's method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The caller signed in with a second factor.
    #[arg(long)]
    pub second_factor: bool,
    /// The rules file (as `serve --access-rules`).
    #[arg(long, env = "LATCHKEY_ACCESS_RULES")]
    pub access_rules: Option<PathBuf>,
}

pub fn run(db: &Database, args: CheckArgs) -> ExitCode {
    match decide(db, &args) {
        Ok((line, allowed)) => {
            println!("{line}");
            ExitCode::from(if allowed { 0 } else { 1 })
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The decision's line, and whether it allows.
fn decide(db: &Database, args: &CheckArgs) -> Result<(String, bool), AccessCheckError> {
    let path = args
        .access_rules
        .as_ref()
        .ok_or(AccessCheckError::NoRules)?;
    let rules = access::load(path)?;
    let url = url::Url::parse(&args.url).map_err(|cause| AccessCheckError::NotAUrl {
        text: args.url.clone(),
        cause,
    })?;
    let host = url.host_str().ok_or(AccessCheckError::NoHost)?;
    let target = Target::new(host, url.path(), &args.method);
    let user = match &args.user {
        Some(name) => Some(find(db, name)?),
        None => None,
    };
    let who = user.as_ref().map(|user| Who {
        username: &user.username,
        groups: &user.groups,
        admin: user.admin,
        second_factor: args.second_factor,
    });
    let decision = rules.decide(&target, who.as_ref());
    Ok((decision.to_string(), decision.outcome == Outcome::Allow))
}

fn find(db: &Database, name: &str) -> Result<User, AccessCheckError> {
    if let Some(file) = db.sqlite_path().filter(|file| !file.exists()) {
        return Err(Refusal::NoDatabase(file.into()).into());
    }
    let opened = db.open(1, None).map_err(CommandError::Database)?;
    Ok(users::find(opened.shared().as_ref(), name)?)
}
