//! `latchkey user …`: the same rules as the admin API (valid names, 8–1024 character passwords, the
//! last admin stays).

use std::io::{BufRead, IsTerminal};

use crate::audit::{self, Describe, Kind};
use crate::auth::password;
use crate::cli::audit::cli_event;
use crate::cli::{AddUser, CommandError, UserCommand};
use crate::domain::{NewPassword, Username};
use crate::store::{
    Database, EndReason, EndSessions, GroupsChange, NewUser, Store, User, UserChange,
};
use crate::{bootstrap, clock};

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

/// Prints the user's groups; with `--add`/`--remove`, changes them first in
/// one transaction (the admin API's own store operation).
fn groups(
    store: &dyn Store,
    name: &str,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<(), CommandError> {
    let before = find(store, name)?;
    let user = match add.is_empty() && remove.is_empty() {
        true => before.clone(),
        false => {
            let change = UserChange {
                groups: Some(GroupsChange::Edit { add, remove }),
                ..UserChange::default()
            };
            store
                .update_user(&before.username, &change, clock::now_ms())?
                .ok_or_else(|| CommandError::NoUser(name.into()))?
        }
    };
    groups_event(store, &user.username, &before.groups, &user.groups);
    for group in &user.groups {
        println!("{group}");
    }
    Ok(())
}

/// Records `groups_changed` when the groups did change.
fn groups_event(store: &dyn Store, username: &str, before: &[String], after: &[String]) {
    let Some(reason) = audit::groups_reason(before, after) else {
        return;
    };
    let event = audit::event(Kind::GroupsChanged, username)
        .actor("cli")
        .reason(&reason);
    if let Err(e) = store.append_audit(&[event]) {
        eprintln!("warning: could not write the audit event: {e}");
    }
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

/// From stdin with `--password-stdin`, else a prompt (twice) on a terminal.
fn read_password(from_stdin: bool) -> Result<NewPassword, CommandError> {
    let text = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CommandError::ReadPassword)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(CommandError::ReadPassword)?;
        let again = rpassword::prompt_password("Again: ").map_err(CommandError::ReadPassword)?;
        if first != again {
            return Err(CommandError::PasswordsDiffer);
        }
        first
    } else {
        return Err(CommandError::NoPassword);
    };
    Ok(NewPassword::parse(&text)?)
}
