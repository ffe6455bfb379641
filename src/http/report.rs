//! What the routes report to operators about an outcome: the metrics counters and the audit event.
//! Audit events go to the background writer, so recording adds no database hop to a request.

use actix_web::{HttpMessage, HttpRequest};

use crate::audit::{self, Describe, Kind};
use crate::auth::login::{LoggedIn, SignedIn};
use crate::auth::mfa::Verdict;
use crate::auth::passkeys::Refusal;
use crate::auth::sessions::Grant;
use crate::error::ApiError;
use crate::observe::RequestId;
use crate::state::AppState;
use crate::store::{AuditEvent, User};

/// An event about `username`, with the request's client address, user agent and id.
pub fn event(state: &AppState, req: &HttpRequest, kind: Kind, username: &str) -> AuditEvent {
    let client = state.guard.client(req);
    let mut event = audit::event(kind, username);
    event.address = client.ip;
    event.user_agent = client.user_agent;
    event.request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    event
}

/// Queues an event for the audit trail.
pub fn audit(state: &AppState, event: AuditEvent) {
    state.audit.record(event);
}

/// A login attempt (either step) that reached the credential check (or its throttle).
pub fn login<G: SignedIn>(
    state: &AppState,
    req: &HttpRequest,
    tried: &str,
    outcome: &Result<LoggedIn<G>, ApiError>,
) {
    if let Some(event) = login_event(state, req, tried, outcome) {
        audit(state, event);
    }
}

/// A sign-in attempt at the portal: the same metrics and events as a
/// login, each event's `reason` starting with `portal`.
pub fn portal_login<G: SignedIn>(
    state: &AppState,
    req: &HttpRequest,
    tried: &str,
    outcome: &Result<LoggedIn<G>, ApiError>,
) {
    if let Some(event) = login_event(state, req, tried, outcome) {
        audit(state, from_portal(event));
    }
}

/// Marks an event as the portal's: `portal`, or `portal,<reason>`.
pub fn from_portal(event: AuditEvent) -> AuditEvent {
    let reason = match event.reason.as_deref() {
        Some(reason) => format!("portal,{reason}"),
        None => "portal".to_string(),
    };
    event.reason(&reason)
}

fn login_event<G: SignedIn>(
    state: &AppState,
    req: &HttpRequest,
    tried: &str,
    outcome: &Result<LoggedIn<G>, ApiError>,
) -> Option<AuditEvent> {
    state.metrics.login(outcome.as_ref().map(|_| ()));
    let event = match outcome {
        Ok((grant, verdict)) => {
            let name = &grant.user().username;
            if *verdict == Some(Verdict::Recovery) {
                audit(state, event(state, req, Kind::MfaRecoveryCodeUsed, name));
            }
            let ok = event(state, req, Kind::LoginOk, name);
            if verdict.is_some() {
                ok.reason("otp")
            } else {
                ok
            }
        }
        Err(ApiError::MfaRequired(_)) => event(state, req, Kind::LoginCodeRequired, tried),
        Err(e @ ApiError::InvalidCode) => {
            event(state, req, Kind::MfaCodeFailed, tried).reason(e.code())
        }
        Err(e @ ApiError::Throttled { .. }) => {
            // A flood of refusals writes one row per name or address per
            // window; `latchkey_logins_total{outcome="throttled"}` counts all.
            let address = state.guard.client(req).ip.unwrap_or_default();
            let key = crate::domain::login_key(tried);
            if !state
                .throttle
                .first_refusal_in_window(key.as_deref(), &address)
            {
                return None;
            }
            event(state, req, Kind::LoginThrottled, tried).reason(e.code())
        }
        Err(e) => event(state, req, Kind::LoginFailed, tried).reason(e.code()),
    };
    Some(event)
}

/// A passkey sign-in (the API's or, with `portal`, the portal's): the
/// metrics and events of a login, `reason` `passkey`; a counter that did not
/// move on is its own event, naming the passkey.
pub fn passkey_login<G: SignedIn>(
    state: &AppState,
    req: &HttpRequest,
    outcome: &Result<G, Refusal>,
    portal: bool,
) {
    let refused = ApiError::InvalidCredentials;
    let error = match outcome {
        Ok(_) => None,
        Err(Refusal::Failed(e)) => Some(e),
        Err(_) => Some(&refused),
    };
    state.metrics.login(error.map_or(Ok(()), Err));
    let event = match (outcome, error) {
        (Ok(grant), _) => event(state, req, Kind::LoginOk, &grant.user().username),
        (Err(Refusal::ClonedKey { username, passkey }), _) => {
            event(state, req, Kind::PasskeyCounterRegressed, username).reason(passkey)
        }
        (Err(_), Some(e @ ApiError::Throttled { .. })) => {
            let address = state.guard.client(req).ip.unwrap_or_default();
            if !state.throttle.first_refusal_in_window(None, &address) {
                return;
            }
            event(state, req, Kind::LoginThrottled, "").reason(e.code())
        }
        (Err(_), e) => event(state, req, Kind::LoginFailed, "").reason(e.map_or("", |e| e.code())),
    };
    let event = match event.reason.as_deref() {
        Some(reason) => event.clone().reason(&format!("passkey,{reason}")),
        None => event.reason("passkey"),
    };
    audit(state, if portal { from_portal(event) } else { event });
}

/// A refresh; `reused_by` names the user whose session family a replayed
/// old id revoked.
pub fn refresh(
    state: &AppState,
    req: &HttpRequest,
    outcome: &Result<Grant, ApiError>,
    reused_by: Option<&str>,
) {
    state
        .metrics
        .refresh(outcome.as_ref().map(|grant| grant.replayed));
    if let (Err(e @ ApiError::ReuseDetected), Some(username)) = (outcome, reused_by) {
        let event = event(state, req, Kind::RefreshReuseDetected, username).reason(e.code());
        audit(state, event);
    }
}

/// An event an admin caused through the admin API.
pub fn by_admin(
    state: &AppState,
    req: &HttpRequest,
    kind: Kind,
    username: &str,
    admin: &str,
) -> AuditEvent {
    event(state, req, kind, username)
        .actor(admin)
        .reason("admin_api")
}

/// What an admin's change to a user did: enabled or disabled it, changed
/// its role or groups, set its password.
pub fn user_changed(
    state: &AppState,
    req: &HttpRequest,
    admin: &str,
    (before, after): (&User, &User),
    password_set: bool,
) {
    let name = after.username.as_str();
    if before.disabled != after.disabled {
        let kind = if after.disabled {
            Kind::UserDisabled
        } else {
            Kind::UserEnabled
        };
        audit(state, by_admin(state, req, kind, name, admin));
    }
    if before.admin != after.admin {
        let role = if after.admin {
            "admin_granted"
        } else {
            "admin_revoked"
        };
        let event = by_admin(state, req, Kind::UserRoleChanged, name, admin).reason(role);
        audit(state, event);
    }
    groups_changed(state, req, admin, name, (&before.groups, &after.groups));
    if password_set {
        audit(
            state,
            by_admin(state, req, Kind::PasswordChanged, name, admin),
        );
    }
}

/// `groups_changed` when an admin's change (or a new user) changed `name`'s groups.
pub fn groups_changed(
    state: &AppState,
    req: &HttpRequest,
    admin: &str,
    name: &str,
    (before, after): (&[String], &[String]),
) {
    if let Some(reason) = audit::groups_reason(before, after) {
        let event = event(state, req, Kind::GroupsChanged, name)
            .actor(admin)
            .reason(&reason);
        audit(state, event);
    }
}
