//! The command line: `serve`, and user and session administration straight on the database (no
//! server needed).

pub mod access;
mod audit;
mod backup;
pub mod check;
mod checked;
mod error;
mod keys;
mod migrate;
mod password_input;
mod sessions;
mod user_groups;
mod user_passkeys;
mod users;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::config::ServeArgs;
use crate::observe::log_line::LogFormat;
use crate::store::Database;
pub use access::AccessCommand;
pub use error::{CommandError, Refusal};
pub use keys::KeysCommand;
pub use sessions::SessionsCommand;
pub use users::{AddUser, UserCommand};

#[derive(Parser, Debug)]
#[command(
    name = "latchkey",
    version,
    about = "A single-binary authentication server"
)]
pub struct Cli {
    /// SQLite database file, or a postgres:// URL for many instances [default: latchkey.db beside the executable]
    #[arg(long, env = "LATCHKEY_DB", global = true, hide_env_values = true)]
    pub db: Option<OsString>,
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
    /// List, rotate or revoke the EdDSA signing keys (see --jwt-alg).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Which access rule decides a request (`access check URL`): exit 0 allow, 1 deny or sign-in needed, 2 a usage error.
    #[command(subcommand)]
    Access(AccessCommand),
    /// Show security events (logins, logouts, reuse detection, user changes), oldest first.
    Audit(audit::AuditArgs),
    /// Copy the database to PATH, consistently, while the server runs.
    Backup(backup::BackupArgs),
    /// Copy a SQLite database into an empty PostgreSQL one (users, sessions, second factors, keys, audit trail).
    Migrate(migrate::MigrateArgs),
}

/// A command refused before anything is opened (exit 2): only `serve` and
/// `user add` may create a SQLite file (any other command on a missing file
/// would make an empty one and then report "no user named …", which reads as
/// if the user did not exist), and a PostgreSQL database is backed up with
/// its own tools.
pub fn refusal(db: &Database, command: &Command) -> Option<Refusal> {
    let Some(path) = db.sqlite_path() else {
        return matches!(command, Command::Backup(_)).then_some(Refusal::BackupOfPostgres);
    };
    let creates = matches!(
        command,
        Command::Serve(_)
            | Command::CheckConfig(_)
            | Command::User(UserCommand::Add(_))
            | Command::Migrate(_)
    );
    if creates || path.exists() {
        return None;
    }
    Some(Refusal::NoDatabase(path.into()))
}

/// Runs an administration command; the message on error says what to fix.
pub fn run(db: Database, command: Command) -> Result<(), CommandError> {
    match (command, db.sqlite_path()) {
        // Copies the file as it is: no schema is applied to it first.
        (Command::Backup(args), Some(path)) => backup::run(path, args),
        (Command::Migrate(args), _) => migrate::run(args),
        (command, _) => run_on_store(db, command),
    }
}

fn run_on_store(db: Database, command: Command) -> Result<(), CommandError> {
    // Only the keys commands use the secret; with PostgreSQL they check it
    // is the database's.
    let key = match &command {
        Command::Keys(_) => Some(crate::secret::load_or_create(&crate::config::key_source(
            &db,
        )?)?),
        _ => None,
    };
    let fingerprint = key.as_deref().map(crate::secret::fingerprint);
    let opened = db
        .open(2, fingerprint.as_ref().map(|f| &f[..]))
        .map_err(CommandError::Database)?;
    let store = opened.shared();
    let store = store.as_ref();
    match command {
        Command::Serve(_)
        | Command::CheckConfig(_)
        | Command::Backup(_)
        | Command::Migrate(_)
        | Command::Access(_) => Err(CommandError::StartedElsewhere),
        Command::Audit(args) => audit::run(store, args),
        Command::User(command) => users::run(store, &db, command),
        Command::Sessions(command) => sessions::run(store, command),
        Command::Keys(command) => keys::run(store, &key.unwrap_or_default(), command),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_command_says_what_it_does_in_the_help() {
        let mut pending = vec![super::Cli::command()];
        while let Some(command) = pending.pop() {
            for sub in command.get_subcommands() {
                let about = sub
                    .get_about()
                    .map(|about| about.to_string())
                    .unwrap_or_default();
                assert!(
                    !about.trim().is_empty(),
                    "`{}` has no description in --help",
                    sub.get_name()
                );
                pending.push(sub.clone());
            }
        }
    }
}
