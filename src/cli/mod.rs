//! The command line: `serve`, and user and session administration straight on the database (no server needed).

mod sessions;
mod users;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::ServeArgs;
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
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start the server.
    Serve(ServeArgs),
    /// Add, list, disable, enable, delete users or set a password.
    #[command(subcommand)]
    User(UserCommand),
    /// List or end a user's sessions, or delete expired ones.
    #[command(subcommand)]
    Sessions(SessionsCommand),
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
}

#[derive(Args, Debug)]
pub struct AddUser {
    pub name: String,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
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

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// List a user's live sessions.
    List { name: String },
    /// End every session of a user.
    RevokeAll { name: String },
    /// Delete expired and ended sessions now (the server also does this in the background).
    Prune,
}

/// Runs an administration command; the message on error says what to fix.
pub fn run(db: PathBuf, command: Command) -> Result<(), String> {
    let store = SqliteStore::open(&db, 2)?;
    match command {
        Command::Serve(_) => Err("serve is started by main".into()),
        Command::User(command) => users::run(&store, command),
        Command::Sessions(command) => sessions::run(&store, command),
    }
}
