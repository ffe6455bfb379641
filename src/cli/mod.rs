//! The command line: `serve`, and user and session administration straight on the database (no
//! server needed).

mod audit;
mod backup;
pub mod check;
mod keys;
mod sessions;
mod users;

use std::path::{Path, PathBuf};

use std::ffi::OsStr;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

use crate::config::ServeArgs;
use crate::domain;
use crate::observe::logging::LogFormat;
use crate::store::SqliteStore;

#[derive(Parser, Debug)]
#[command(
    name = "latchkey",
    version,
    about = "A single-binary authentication server"
)]
pub struct Cli {
    /// SQLite database file [default: latchkey.db beside the executable]
    #[arg(long, env = "LATCHKEY_DB", global = true)]
    pub db: Option<PathBuf>,
    /// Log lines as human-readable text or as one JSON object each.
    #[arg(
        long,
        env = "LATCHKEY_LOG_FORMAT",
        global = true,
        value_enum,
        default_value = "human"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server.
    Serve(ServeArgs),
    /// Check the settings (the same flags and variables as serve), the key and the database without serving: exit 0 with a summary, 2 for a bad setting, 1 for a key or database problem.
    CheckConfig(ServeArgs),
    /// Add, list, disable, enable, rename, delete users or set a password.
    #[command(subcommand)]
    User(UserCommand),
    /// List or end a user's sessions, or delete expired ones.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Show security events (logins, logouts, reuse detection, user changes), oldest first.
    #[command(subcommand)]
    Keys(KeysCommand),
    Audit(audit::AuditArgs),
    /// Copy the database to PATH, consistently, while the server runs.
    Backup(backup::BackupArgs),
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user (asks for the password on a terminal).
    Add(AddUser),
    /// List every user.
    List,
    /// Disable a user and end all of its sessions.
    Disable { name: String },
    /// Enable a disabled user (its ended sessions stay ended).
    Enable { name: String },
    /// Set a user's password and end all of its sessions.
    Passwd {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Delete a user and its sessions.
    Delete { name: String },
    /// Give a user a new name (the same rules as a new user's); its access tokens stop working, its sessions go on.
    Rename { name: String, new_name: String },
    /// Remove a user's second factor (a lost phone) and end its sessions.
    MfaReset { name: String },
}

#[derive(Args, Debug)]
pub struct AddUser {
    pub name: String,
    #[arg(long, value_parser = Checked(domain::email))]
    pub email: Option<String>,
    #[arg(long, value_parser = Checked(domain::full_name))]
    pub full_name: Option<String>,
    /// Give the user the admin role.
    #[arg(long)]
    pub admin: bool,
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "password_hash")]
    pub password_stdin: bool,
    /// Import an existing PHC hash (argon2 or bcrypt) instead of a password.
    #[arg(long)]
    pub password_hash: Option<String>,
}

/// A text argument checked by the admin API's own rule. A refusal is a usage
/// error (exit 2) in one line that names the rule, never echoing the value:
/// it may hold a right-to-left override that would garble the terminal.
#[derive(Clone)]
struct Checked(fn(Option<String>) -> Result<Option<String>, String>);

impl TypedValueParser for Checked {
    type Value = String;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let refuse = |reason: String| clap::Error::raw(ErrorKind::ValueValidation, reason + "\n");
        let text = value
            .to_str()
            .ok_or_else(|| refuse("arguments must be UTF-8".into()))?;
        let checked = (self.0)(Some(text.to_string())).map_err(refuse)?;
        Ok(checked.unwrap_or_default())
    }
}

/// The EdDSA signing keys (see `--jwt-alg`).
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// One line per key: kid, state (next, signing, retiring, revoked), dates.
    List,
    /// Publish a new key now; it signs 5 minutes later.
    Rotate,
    /// Unpublish a key and refuse its tokens at once.
    Revoke {
        /// A kid is base64url, so it may start with `-`.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// List a user's live sessions.
    List { name: String },
    /// End every session of a user.
    RevokeAll { name: String },
    /// Delete expired and ended sessions now (the server also does this in the background).
    Prune,
}

/// Only `serve` and `user add` may create the database: any other command on a
/// missing file would make an empty one and then report "no user named …",
/// which reads as if the user did not exist. Returns the one-line refusal.
pub fn missing_database(db: &Path, command: &Command) -> Option<String> {
    let creates = matches!(
        command,
        Command::Serve(_) | Command::CheckConfig(_) | Command::User(UserCommand::Add(_))
    );
    if creates || db.exists() {
        return None;
    }
    Some(format!(
        "no database at {}; point to it with --db PATH or LATCHKEY_DB",
        db.display()
    ))
}

/// Runs an administration command; the message on error says what to fix.
pub fn run(db: PathBuf, command: Command) -> Result<(), String> {
    if let Command::Backup(args) = command {
        // Copies the file as it is: no schema is applied to it first.
        return backup::run(&db, args);
    }
    let store = SqliteStore::open(&db, 2)?;
    match command {
        Command::Serve(_) | Command::CheckConfig(_) | Command::Backup(_) => {
            Err("serve and check-config are started by main".into())
        }
        Command::Audit(args) => audit::run(&store, args),
        Command::User(command) => users::run(&store, &db, command),
        Command::Sessions(command) => sessions::run(&store, command),
        Command::Keys(command) => {
            let source = crate::config::key_source(&db, None)?;
            keys::run(&store, &crate::keys::load_or_create(&source)?, command)
        }
    }
}
