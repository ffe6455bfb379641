//! `GET /admin/audit`: the audit trail for admin UIs, paged and filtered like `/admin/users`
//! (`_start`, `_end`, `X-Total-Count`), newest first by default; an unknown parameter or value is
//! 422. `since` keeps the events from a time on (an admin UI's time filter).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::Kind;
use crate::auth::extract::Admin;
use crate::blocking;
use crate::clock;
use crate::error::ApiError;
use crate::http::paging::{self, Order};
use crate::openapi::{self, AdminOnly};
use crate::state::AppState;
use crate::store::{AuditQuery, AuditRecord};

/// One security event.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Grows with time.
    pub id: i64,
    #[schema(format = DateTime)]
    pub at: String,
    /// `login_ok`, `login_failed`, `login_throttled`, `refresh_reuse_detected`, `logout`, `logout_all`, `session_ended`, `sessions_revoked`, `password_changed`, `password_change_failed`, `user_created`, `user_disabled`, `user_enabled`, `user_deleted`, `user_role_changed`, `user_renamed`, `key_rotated`, `key_revoked`, `login_code_required`, `mfa_enrolled`, `mfa_confirmed`, `mfa_removed`, `mfa_recovery_code_used` or `mfa_code_failed`.
    pub event: String,
    /// The user the event is about (for a failed login, the name tried).
    #[schema(required = true)]
    pub username: Option<String>,
    /// Who did it when not the user: an admin's name, or `cli`.
    #[schema(required = true)]
    pub actor: Option<String>,
    /// The client address (the last proxy hop with `--trust-proxy`).
    #[schema(required = true)]
    pub address: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// A machine code saying why, e.g. `invalid_credentials`, `admin_api`, `cli`.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The request's `X-Request-Id`, to find its log line.
    #[schema(required = true)]
    pub request_id: Option<String>,
}

impl From<AuditRecord> for AuditEntry {
    fn from(record: AuditRecord) -> AuditEntry {
        let e = record.event;
        AuditEntry {
            id: record.id,
            at: clock::rfc3339(e.at),
            event: e.event,
            username: e.username,
            actor: e.actor,
            address: e.address,
            user_agent: e.user_agent,
            reason: e.reason,
            request_id: e.request_id,
        }
    }
}

/// Both what the OpenAPI document shows and what the query string is read into.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Index of the first event of the page (0-based).
    #[param(minimum = 0, maximum = 18446744073709551615_u64, format = "uint64")]
    _start: Option<u64>,
    /// Index after the last event of the page; not less than `_start`.
    #[param(minimum = 0, maximum = 18446744073709551615_u64, format = "uint64")]
    _end: Option<u64>,
    /// `id` or `at` (the same order).
    #[param(inline)]
    _sort: Option<AuditSort>,
    /// `DESC` (newest first, the default) or `ASC` (case-insensitive).
    #[param(inline)]
    _order: Option<Order>,
    /// Only this user's events (case-insensitive).
    username: Option<String>,
    /// Only this kind of event.
    #[param(inline, value_type = Option<crate::audit::Kind>)]
    event: Option<String>,
    /// Only events at or after this time (RFC 3339, e.g. `2026-12-07T16:00:00Z`).
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code, non_camel_case_types)]
pub enum AuditSort {
    id,
    at,
}

#[utoipa::path(get, path = "/admin/audit", tag = "admin", operation_id = "list_audit",
    summary = "The audit trail",
    description = "Security events, newest first: logins, throttling, refresh-id reuse, logouts, \
        password changes and user changes (by the admin API and the CLI).",
    security(("OAuth2PasswordBearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "One page of events", body = Vec<AuditEntry>,
            headers(("X-Total-Count" = u64, description = "Matches after filtering, before paging"))),
        AdminOnly, openapi::Invalid))]
pub async fn list(
    _: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = parse(req.query_string())?;
    let store = state.store.clone();
    let (events, total) = blocking::run(move || Ok(store.query_audit(&query)?)).await?;
    let entries: Vec<AuditEntry> = events.into_iter().map(AuditEntry::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Total-Count", total.to_string()))
        .json(entries))
}

fn parse(query_string: &str) -> Result<AuditQuery, ApiError> {
    let params: AuditParams = paging::query(query_string)?;
    let (offset, limit) = paging::page(params._start, params._end)?;
    Ok(AuditQuery {
        username: params.username,
        event: params.event.as_deref().map(event).transpose()?,
        since: params.since.map(|t| t.timestamp_millis()),
        oldest_first: params._order == Some(Order::ASC),
        offset,
        limit,
    })
}

fn event(value: &str) -> Result<String, ApiError> {
    match Kind::parse(value) {
        Some(kind) => Ok(kind.as_str().to_string()),
        None => {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            Err(ApiError::Invalid(format!(
                "event must be one of {}",
                known.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_filters_and_order_are_read() {
        let q =
            parse("_start=5&_end=15&_sort=at&_order=asc&username=Alice&event=login_ok&since=2026-12-07T16:00:00Z").unwrap();
        assert_eq!((q.offset, q.limit, q.oldest_first), (5, Some(10), true));
        assert_eq!(q.username.as_deref(), Some("Alice"));
        assert_eq!(q.event.as_deref(), Some("login_ok"));
        assert_eq!(q.since, Some(1_796_659_200_000));
        assert!(!parse("").unwrap().oldest_first, "newest first by default");
    }

    #[test]
    fn the_documented_event_names_are_exactly_the_kinds() {
        use utoipa::IntoParams;
        let params = serde_json::to_value(AuditParams::into_params(|| None)).unwrap();
        let event = params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "event");
        let documented = &event.unwrap()["schema"]["enum"];
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(documented, &serde_json::json!(kinds));
    }

    #[test]
    fn unknown_or_malformed_parameters_are_refused() {
        for bad in [
            "event=nope",
            "_sort=username",
            "_order=up",
            "_start=-1",
            "_start=5&_end=2",
            "q=x",
            "since=yesterday",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
