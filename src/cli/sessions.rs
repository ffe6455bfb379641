//! `latchkey sessions …`: look at and end a user's sessions, or sweep now.

use clap::Subcommand;

use crate::audit::Kind;
use crate::cli::audit::cli_event;
use crate::cli::users::find;
use crate::cli::CommandError;
use crate::clock;
use crate::store::{EndReason, EndSessions, Store};

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// List a user's live sessions.
    List { name: String },
    /// End every session of a user.
    RevokeAll { name: String },
    /// Delete expired and ended sessions now (the server also does this in the background).
    Prune,
}

pub(super) fn run(store: &dyn Store, command: SessionsCommand) -> Result<(), CommandError> {
    let now = clock::now_ms();
    match command {
        SessionsCommand::List { name } => {
            let user = find(store, &name)?;
            let sessions = store.live_sessions(user.id, now)?;
            println!(
                "{:<32} {:<6} {:<20} {:<20} {:<20} {:<16} USER AGENT",
                "ID", "KIND", "CREATED", "LAST USED", "EXPIRES", "IP"
            );
            for s in sessions {
                println!(
                    "{:<32} {:<6} {:<20} {:<20} {:<20} {:<16} {}",
                    s.id,
                    s.kind.as_str(),
                    clock::rfc3339(s.created_at),
                    clock::rfc3339(s.last_used_at),
                    clock::rfc3339(s.expires_at()),
                    s.ip.as_deref().unwrap_or("-"),
                    s.user_agent.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        SessionsCommand::RevokeAll { name } => {
            let user = find(store, &name)?;
            let ended =
                store.end_user_sessions(user.id, EndSessions::All(EndReason::Revoked), now)?;
            cli_event(store, Kind::SessionsRevoked, &user.username);
            println!("ended {ended} session(s) of {}", user.username);
            Ok(())
        }
        SessionsCommand::Prune => {
            let (mut sessions, mut ids) = (0, 0);
            loop {
                let swept = store.sweep(now, 500)?;
                sessions += swept.sessions;
                ids += swept.refresh_ids;
                if !swept.was_full(500) {
                    break;
                }
            }
            println!("deleted {sessions} expired or ended session(s) and {ids} refresh id(s)");
            Ok(())
        }
    }
}
