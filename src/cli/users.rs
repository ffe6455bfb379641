//! `latchkey user …`: the same rules as the admin API (valid names, 8–1024 character passwords, the
//! last admin stays).

use clap::{Args, Subcommand};

use super::checked::Checked;
use super::password_input::read_password;
use super::user_groups::{groups, groups_event};
use super::user_passkeys::passkeys;
use crate::audit::{self, Describe, Kind};
use crate::auth::password;
use crate::cli::audit::cli_event;
use crate::cli::CommandError;
use crate::domain::Username;
use crate::store::{
    Database, EndReason, EndSessions, GroupsChange, NewUser, Store, User, UserChange,
};
use crate::{bootstrap, clock};

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
    /// Print a user's groups one a line, or change them in one transaction and print the result.
    Groups {
        name: String,
        /// Put the user in this group (repeatable).
        #[arg(long, value_parser = Checked::group())]
        add: Vec<String>,
        /// Take the user out of this group (repeatable).
        #[arg(long, value_parser = Checked::group())]
        remove: Vec<String>,
    },
    /// List a user's passkeys, one a line (id first), or remove one and end the user's sessions.
    Passkeys {
        name: String,
        /// The id of the passkey to remove.
        #[arg(long)]
        remove: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct AddUser {
    pub name: String,
    #[arg(long, value_parser = Checked::email())]
    pub email: Option<String>,
    #[arg(long, value_parser = Checked::full_name())]
    pub full_name: Option<String>,
    /// Give the user the admin role.
    #[arg(long)]
    pub admin: bool,
    /// Put the user in this group (repeatable).
    #[arg(long = "group", value_parser = Checked::group())]
    pub groups: Vec<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "password_hash")]
    pub password_stdin: bool,
    /// Import an existing PHC hash (argon2 or bcrypt) instead of a password.
    #[arg(long)]
    pub password_hash: Option<String>,
}

pub(super) fn run(
    store: &dyn Store,
    db: &Database,
    command: UserCommand,
) -> Result<(), CommandError> {
    match command {
        UserCommand::Add(args) => add(store, args),
        UserCommand::List => list(store),
        UserCommand::Disable { name } => {
            let user = change(store, &name, true)?;
            cli_event(store, Kind::UserDisabled, &user.username);
            println!("disabled {} and ended its sessions", user.username);
            Ok(())
        }
        UserCommand::Enable { name } => {
            let user = change(store, &name, false)?;
            cli_event(store, Kind::UserEnabled, &user.username);
            println!("enabled {}", user.username);
            Ok(())
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let user = find(store, &name)?;
            let password = read_password(password_stdin)?;
            let hash = password::hash(&password)?;
            let end = EndSessions::All(EndReason::PasswordChanged);
            store.set_password_hash(user.id, &hash, clock::now_ms(), end)?;
            cli_event(store, Kind::PasswordChanged, &user.username);
            bootstrap::forget_password(&user.username, &db.beside(bootstrap::PASSWORD_FILE));
            println!(
                "set the password of {} and ended its sessions",
                user.username
            );
            Ok(())
        }
        UserCommand::Rename { name, new_name } => rename(store, &name, &new_name),
        UserCommand::Delete { name } => {
            let user = store
                .delete_user_unless_last_admin(&name)?
                .ok_or_else(|| CommandError::NoUser(name))?;
            cli_event(store, Kind::UserDeleted, &user.username);
            println!("deleted {} and its sessions", user.username);
            Ok(())
        }
        UserCommand::MfaReset { name } => mfa_reset(store, &name),
        UserCommand::Groups { name, add, remove } => groups(store, &name, add, remove),
        UserCommand::Passkeys { name, remove } => passkeys(store, &name, remove),
    }
}

/// Disables or enables through the admin API's own store operation: the
/// last-admin check and the change share one transaction, and disabling ends
/// the sessions in it.
fn change(store: &dyn Store, name: &str, disabled: bool) -> Result<User, CommandError> {
    let change = UserChange {
        disabled: Some(disabled),
        ..UserChange::default()
    };
    store
        .update_user(name, &change, clock::now_ms())?
        .ok_or_else(|| CommandError::NoUser(name.into()))
}

fn rename(store: &dyn Store, name: &str, new_name: &str) -> Result<(), CommandError> {
    let new_name = Username::parse(new_name)?;
    let before = find(store, name)?;
    let user = store
        .rename_user(&before.username, new_name.as_str(), clock::now_ms())?
        .ok_or_else(|| CommandError::NoUser(name.into()))?;
    let event = audit::event(Kind::UserRenamed, &user.username)
        .actor("cli")
        .reason(&format!("renamed from {}", before.username));
    if let Err(e) = store.append_audit(&[event]) {
        eprintln!("warning: could not write the audit event: {e}");
    }
    println!("renamed {} to {}", before.username, user.username);
    Ok(())
}

fn add(store: &dyn Store, args: AddUser) -> Result<(), CommandError> {
    let username = Username::parse(&args.name)?;
    if let Some(holder) = store.user_by_name(username.as_str())? {
        return Err(CommandError::UserExists(holder.username));
    }
    let password_hash = match args.password_hash {
        Some(hash) if password::is_supported_hash(&hash) => hash,
        Some(_) => return Err(CommandError::UnsupportedHash),
        None => password::hash(&read_password(args.password_stdin)?)?,
    };
    let user = NewUser {
        username: username.to_string(),
        email: args.email.filter(|e| !e.is_empty()),
        full_name: args.full_name.filter(|f| !f.is_empty()),
        password_hash,
        admin: args.admin,
        disabled: false,
        groups: GroupsChange::Replace(args.groups).apply(&[]),
    };
    let created = store.insert_user(&user, clock::now_ms())?;
    cli_event(store, Kind::UserCreated, &created.username);
    groups_event(store, &created.username, &[], &created.groups);
    println!(
        "created user {}{}",
        created.username,
        if created.admin { " (admin)" } else { "" }
    );
    Ok(())
}

fn list(store: &dyn Store) -> Result<(), CommandError> {
    let users = store.list_users()?;
    println!(
        "{:<24} {:<6} {:<9} {:<28} {:<24} {:<24} CREATED",
        "USERNAME", "ADMIN", "DISABLED", "EMAIL", "FULL NAME", "GROUPS"
    );
    for user in users {
        let groups = match user.groups.is_empty() {
            true => "-".to_string(),
            false => user.groups.join(","),
        };
        println!(
            "{:<24} {:<6} {:<9} {:<28} {:<24} {:<24} {}",
            user.username,
            if user.admin { "yes" } else { "no" },
            if user.disabled { "yes" } else { "no" },
            user.email.as_deref().unwrap_or("-"),
            user.full_name.as_deref().unwrap_or("-"),
            groups,
            clock::rfc3339(user.created_at)
        );
    }
    Ok(())
}

/// Removes the factor (if any) and ends the user's sessions, as the admin API does.
fn mfa_reset(store: &dyn Store, name: &str) -> Result<(), CommandError> {
    let user = find(store, name)?;
    let end = EndSessions::All(EndReason::MfaChanged);
    let had = store.remove_mfa(user.id, end, clock::now_ms())?;
    cli_event(store, Kind::MfaRemoved, &user.username);
    if had {
        println!(
            "removed the second factor of {} and ended its sessions",
            user.username
        );
    } else {
        println!("{} had no second factor; ended its sessions", user.username);
    }
    Ok(())
}

pub(super) fn find(store: &dyn Store, name: &str) -> Result<User, CommandError> {
    store
        .user_by_name(name)?
        .ok_or_else(|| CommandError::NoUser(name.into()))
}
