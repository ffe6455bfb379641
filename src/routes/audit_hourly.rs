//! `GET /admin/audit/hourly`: sign-ins and failures per clock hour (UTC) for the admin console's
//! chart: exactly `hours` entries, oldest first, the last being the current hour, zeros where
//! nothing happened. The database counts; this module only names the kinds and fills the gaps.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::Kind;
use crate::auth::extract::Admin;
use crate::error::ApiError;
use crate::http::paging;
use crate::openapi::{self, AdminOnly};
use crate::state::AppState;
use crate::store::{HourCount, HOUR_MS};
use crate::{blocking, clock};

/// The events a sign-in chart counts as sign-ins, and as failures.
const SIGN_INS: [Kind; 1] = [Kind::LoginOk];
const FAILURES: [Kind; 2] = [Kind::LoginFailed, Kind::MfaCodeFailed];

const DEFAULT_HOURS: u32 = 24;
/// A week: the console's longest view.
const MAX_HOURS: u32 = 168;

/// One clock hour of sign-in activity.
#[derive(Serialize, Debug, PartialEq, utoipa::ToSchema)]
pub struct HourEntry {
    /// The hour's start (UTC), e.g. `2026-12-07T16:00:00Z`.
    #[schema(format = DateTime)]
    pub hour: String,
    /// `login_ok` events.
    #[schema(minimum = 0)]
    pub sign_ins: u64,
    /// `login_failed` and `mfa_code_failed` events.
    #[schema(minimum = 0)]
    pub failures: u64,
}

/// Both what the OpenAPI document shows and what the query string is read into.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HourlyParams {
    /// How many hours, ending with the current one: 1 to 168 (a week); 24 by default.
    #[param(minimum = 1, maximum = 168)]
    hours: Option<u32>,
}

#[utoipa::path(get, path = "/admin/audit/hourly", tag = "admin", operation_id = "audit_hourly",
    summary = "Sign-ins and failures per hour",
    description = "One entry per clock hour (UTC), oldest first, the last being the current hour; \
        hours without events count zero. `sign_ins` counts `login_ok`, `failures` counts \
        `login_failed` and `mfa_code_failed`.",
    security(("OAuth2PasswordBearer" = [])),
    params(HourlyParams),
    responses((status = 200, description = "Exactly `hours` entries", body = Vec<HourEntry>),
        AdminOnly, openapi::Invalid))]
pub async fn hourly(
    _: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let hours = parse(req.query_string())?;
    let current = clock::now_ms().div_euclid(HOUR_MS) * HOUR_MS;
    let first = current - i64::from(hours - 1) * HOUR_MS;
    let store = state.store.clone();
    let counts = blocking::run(move || Ok(store.count_audit_by_hour(first)?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(entries(first, hours, &counts)))
}

fn parse(query_string: &str) -> Result<u32, ApiError> {
    let params: HourlyParams = paging::query(query_string)?;
    match params.hours.unwrap_or(DEFAULT_HOURS) {
        hours @ 1..=MAX_HOURS => Ok(hours),
        _ => Err(ApiError::Invalid(format!(
            "hours must be from 1 to {MAX_HOURS}"
        ))),
    }
}

/// `hours` entries from the hour starting at `first`; counts of other hours or kinds (an event
/// written in the next hour while this one was read) are left out.
fn entries(first: i64, hours: u32, counts: &[HourCount]) -> Vec<HourEntry> {
    let of = |hour: i64, kinds: &[Kind]| -> u64 {
        let counted = counts
            .iter()
            .filter(|c| c.hour == hour && kinds.iter().any(|k| k.as_str() == c.event));
        counted.map(|c| c.count).sum()
    };
    (0..i64::from(hours))
        .map(|n| first + n * HOUR_MS)
        .map(|hour| HourEntry {
            hour: clock::rfc3339(hour),
            sign_ins: of(hour, &SIGN_INS),
            failures: of(hour, &FAILURES),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_default_to_a_day_and_must_be_from_one_to_a_week() {
        assert_eq!(parse("").unwrap(), 24);
        assert_eq!(parse("hours=1").unwrap(), 1);
        assert_eq!(parse("hours=168").unwrap(), 168);
        for bad in ["hours=0", "hours=169", "hours=abc", "hours=-1", "days=1"] {
            assert!(matches!(parse(bad), Err(ApiError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn every_hour_is_listed_oldest_first_with_its_kinds_summed() {
        let first = 1_700_000_000_000_i64.div_euclid(HOUR_MS) * HOUR_MS;
        let count = |hour: i64, event: &str, count: u64| HourCount {
            hour,
            event: event.into(),
            count,
        };
        let counts = [
            count(first + HOUR_MS, "login_ok", 3),
            count(first + HOUR_MS, "login_failed", 1),
            count(first + HOUR_MS, "mfa_code_failed", 2),
            count(first + HOUR_MS, "logout", 7),
            count(first + 3 * HOUR_MS, "login_ok", 9),
        ];
        let got = entries(first, 3, &counts);
        let numbers: Vec<(u64, u64)> = got.iter().map(|e| (e.sign_ins, e.failures)).collect();
        assert_eq!(numbers, [(0, 0), (3, 3), (0, 0)]);
        assert_eq!(got[0].hour, clock::rfc3339(first));
        assert!(got[1].hour.ends_with(":00:00Z"), "{}", got[1].hour);
    }
}
