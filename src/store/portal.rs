//! The sign-in portal's part of the sessions table: which kind a session is, and the write that
//! slides a portal session's idle limit.

use super::NewSession;

/// Which cookie a session belongs to: the JSON API's refresh cookie, or the
/// sign-in portal's, which opens forward auth and nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    App,
    Portal,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::App => "app",
            SessionKind::Portal => "portal",
        }
    }

    /// Anything but `portal` is an app session (rows from before kinds are).
    pub fn parse(text: &str) -> SessionKind {
        match text {
            "portal" => SessionKind::Portal,
            _ => SessionKind::App,
        }
    }
}

impl NewSession {
    pub fn kind(&self) -> SessionKind {
        match self.portal_hash {
            Some(_) => SessionKind::Portal,
            None => SessionKind::App,
        }
    }
}

/// A portal session's use: `last_used_at = now`, its idle limit moved on.
#[derive(Clone, Debug)]
pub struct PortalTouch {
    pub session_id: String,
    pub now: i64,
    pub idle_expires_at: i64,
    pub written_before: i64,
}
