//! Access rules for forward auth (`--access-rules`): a TOML file compiled once into a pure matcher
//! (`matcher.rs`), held behind an `Arc` that a reload (`SIGHUP`) swaps whole, so a request sees
//! either the old rules or the new, and a bad reload keeps the old ones.

mod file;
mod matcher;
mod target;
mod value;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use file::{load, parse, AccessFileError, RulesError};
pub use matcher::{Decision, HostPattern, Outcome, Policy, Rule, Rules, Subject, Who};
pub use target::Target;

/// The rules in force and the file they came from.
#[derive(Debug)]
pub struct AccessRules {
    path: PathBuf,
    current: RwLock<Arc<Rules>>,
}

impl AccessRules {
    /// Reads the file; an error names the line (the caller exits 2).
    pub fn open(path: &Path) -> Result<AccessRules, AccessFileError> {
        Ok(AccessRules {
            path: path.to_path_buf(),
            current: RwLock::new(Arc::new(load(path)?)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn current(&self) -> Arc<Rules> {
        self.current.read().expect("rules lock").clone()
    }

    /// Reads the file again; on an error the rules in force stay and the
    /// error is returned (for the log).
    pub fn reload(&self) -> Result<usize, AccessFileError> {
        let rules = load(&self.path)?;
        let count = rules.rules.len();
        *self.current.write().expect("rules lock") = Arc::new(rules);
        Ok(count)
    }
}

/// Re-reads the rules on every `SIGHUP`; a file that fails keeps the rules
/// in force (never opens up on a typo) and the error goes to the log.
pub fn reload_on_hangup(rules: Arc<AccessRules>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP: the access rules stay as read at start");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            match rules.reload() {
                Ok(count) => tracing::info!(rules = count, "access rules reloaded"),
                Err(error) => {
                    tracing::error!(%error, "access rules not reloaded: the previous rules stay in force")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests;
