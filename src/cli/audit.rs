//! `latchkey audit`: the security events, oldest first, as a table; `cli_event` records what the
//! command line itself changes.

use std::time::Duration;

use clap::Args;

use super::CommandError;
use crate::audit::{self, Describe, Kind};
use crate::clock;
use crate::duration;
use crate::store::{AuditQuery, Store};

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only this user's events.
    #[arg(long)]
    pub user: Option<String>,
    /// Only events from this long ago until now, e.g. 1h or 7d.
    #[arg(long, value_parser = duration::parse)]
    pub since: Option<Duration>,
    /// Only this kind of event, e.g. login_failed.
    #[arg(long, value_parser = kind)]
    pub event: Option<String>,
    /// Show the most recent N matching events (0: all).
    #[arg(long, default_value_t = 100)]
    pub limit: u64,
}

/// An `--event` that names no kind of event; the message lists them all.
#[derive(Debug, thiserror::Error)]
#[error("unknown event; use one of {}", known_kinds())]
struct UnknownEvent;

fn known_kinds() -> String {
    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    known.join(", ")
}

fn kind(text: &str) -> Result<String, UnknownEvent> {
    Kind::parse(text)
        .map(|kind| kind.as_str().to_string())
        .ok_or(UnknownEvent)
}

pub(super) fn run(store: &dyn Store, args: AuditArgs) -> Result<(), CommandError> {
    let query = AuditQuery {
        username: args.user,
        event: args.event,
        since: args
            .since
            .map(|ago| clock::now_ms().saturating_sub(clock::ms(ago))),
        limit: (args.limit > 0).then_some(args.limit),
        ..AuditQuery::default()
    };
    let (mut events, total) = store.query_audit(&query)?;
    events.reverse();
    println!(
        "{:<20} {:<22} {:<20} {:<12} {:<16} {:<20} USER AGENT",
        "AT", "EVENT", "USERNAME", "ACTOR", "ADDRESS", "REASON"
    );
    for record in &events {
        let e = &record.event;
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        println!(
            "{:<20} {:<22} {:<20} {:<12} {:<16} {:<20} {}",
            clock::rfc3339(e.at),
            e.event,
            shown(&e.username),
            shown(&e.actor),
            shown(&e.address),
            shown(&e.reason),
            shown(&e.user_agent)
        );
    }
    if (events.len() as u64) < total {
        eprintln!(
            "(the last {} of {total} events; --limit 0 shows all)",
            events.len()
        );
    }
    Ok(())
}

/// Records a change made from the command line. The change is already
/// made, so a failure to record it is reported, not returned.
pub(super) fn cli_event(store: &dyn Store, kind: Kind, username: &str) {
    let event = audit::event(kind, username).actor("cli").reason("cli");
    if let Err(e) = store.append_audit(&[event]) {
        eprintln!("warning: could not write the audit event: {e}");
    }
}
