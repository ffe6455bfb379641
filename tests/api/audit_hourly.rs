//! `GET /admin/audit/hourly`: sign-ins and failures per clock hour, counted by the database, with
//! exactly the hours asked for.

use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use serde_json::Value;

use crate::bearer::*;
use crate::helpers::*;
use crate::openapi::assert_documented;

/// The start of the current clock hour, as the API writes it.
fn current_hour() -> String {
    let now = Utc::now();
    let hour = now.with_minute(0).unwrap().with_second(0).unwrap();
    hour.format("%Y-%m-%dT%H:00:00Z").to_string()
}

/// The hourly entries once the current hour's (sign-ins, failures) add up to `wanted`; events are
/// written by a background thread, so they land a moment after the answer.
async fn hours_when(app: &TestApp, token: &str, wanted: (u64, u64)) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let entries = json(
            app.get_with_token("/admin/audit/hourly?hours=24", token)
                .await,
        )
        .await;
        let entries = entries.as_array().expect("a JSON array").clone();
        let sum = |field: &str| {
            entries
                .iter()
                .map(|e| e[field].as_u64().unwrap())
                .sum::<u64>()
        };
        if (sum("sign_ins"), sum("failures")) == wanted {
            return entries;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never counted: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn admin_sees_sign_ins_and_failures_of_the_current_hour() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let hour_before = current_hour();
    let admin = admin_token(&app).await;
    app.login_ok("alice", "alice-password").await;
    assert_eq!(app.login("alice", "wrong-password").await.status(), 401);

    let entries = hours_when(&app, &admin, (2, 1)).await;

    assert_eq!(entries.len(), 24);
    let hours: Vec<&str> = entries
        .iter()
        .map(|e| e["hour"].as_str().unwrap())
        .collect();
    let mut sorted = hours.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(hours, sorted, "oldest first, one per hour");
    let last = entries.last().unwrap();
    // Across a change of hour the events may fall either side of it.
    if hour_before == current_hour() {
        assert_eq!(last["hour"], hour_before.as_str());
        assert_eq!(
            (&last["sign_ins"], &last["failures"]),
            (&2.into(), &1.into())
        );
    }
    let doc = crate::openapi::document(&app).await;
    let response = app.get_with_token("/admin/audit/hourly", &admin).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = assert_documented(&doc, "get", "/admin/audit/hourly", response).await;
    assert_eq!(body.as_array().unwrap().len(), 24, "24 hours by default");
}

#[tokio::test]
async fn admin_hourly_counts_span_from_one_hour_to_a_week() {
    let app = spawn_app().await;
    let admin = admin_token(&app).await;
    for (hours, expected) in [("1", 1), ("168", 168)] {
        let path = format!("/admin/audit/hourly?hours={hours}");
        let entries = json(app.get_with_token(&path, &admin).await).await;
        assert_eq!(entries.as_array().unwrap().len(), expected, "hours={hours}");
    }
    for bad in ["0", "169", "abc", "-1", "1.5"] {
        let path = format!("/admin/audit/hourly?hours={bad}");
        let response = app.get_with_token(&path, &admin).await;
        assert_eq!(response.status(), 422, "hours={bad}");
        assert_eq!(error_of(response).await.1, "invalid_request");
    }
}
