//! Codes at login beyond the happy path: wrong ones count toward the login throttle (an
//! `mfa_required` answer does not), and a recovery code works once.

use serde_json::json;

use super::login::{login_with_otp, mfa_token, second_step};
use super::{code_at, enrolled, status};
use crate::helpers::*;

#[tokio::test]
async fn wrong_codes_count_toward_the_login_throttle_but_mfa_required_does_not() {
    let app = spawn_app_with(&["--login-max-failures", "3"]).await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    for _ in 0..5 {
        assert_eq!(app.login("alice", "alice-password").await.status(), 401);
    }
    let token = mfa_token(&app, "alice", "alice-password").await;
    assert_eq!(second_step(&app, &token, "000000").await.status(), 401);
    assert_eq!(
        login_with_otp(&app, "alice", "alice-password", "000000")
            .await
            .status(),
        401
    );
    assert_eq!(
        login_with_otp(&app, "alice", "alice-password", "000001")
            .await
            .status(),
        401
    );

    let right = login_with_otp(
        &app,
        "alice",
        "alice-password",
        &code_at(&alice.secret, alice.step + 1),
    )
    .await;

    assert_eq!(right.status(), 429);
    assert!(right.headers().contains_key("retry-after"));
    assert_eq!(error_of(right).await.1, "throttled");
}

#[tokio::test]
async fn a_recovery_code_works_once_in_place_of_a_code() {
    let app = spawn_app().await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let code = alice.recovery_codes[3].to_uppercase();

    let first = login_with_otp(&app, "alice", "alice-password", &code).await;
    let again = login_with_otp(&app, "alice", "alice-password", &code).await;

    assert_eq!(first.status(), 200);
    let login = login_from(first).await;
    assert_eq!(claims(&login.access_token)["amr"], json!(["pwd", "otp"]));
    assert_eq!(
        status(&app, &login.access_token).await["recovery_codes_left"],
        9
    );
    assert_eq!(again.status(), 401);
    assert_eq!(error_of(again).await.1, "invalid_code");
}

/// A double submit of one login step, once with the app's code and once
/// with a recovery code: one logs in, and the other spends nothing.
#[tokio::test]
async fn two_answers_to_one_login_step_log_in_once_and_spend_no_second_code() {
    let app = spawn_app().await;
    for name in ["alice", "bob", "carol", "dave"] {
        let password = format!("{name}-password");
        let user = enrolled(&app, name, &password).await;
        let token = mfa_token(&app, name, &password).await;
        let totp = code_at(&user.secret, user.step + 1);

        let (by_app, by_recovery) = tokio::join!(
            second_step(&app, &token, &totp),
            second_step(&app, &token, &user.recovery_codes[0])
        );

        let won = [by_app.status(), by_recovery.status()];
        assert_eq!(won.iter().filter(|s| **s == 200).count(), 1, "{won:?}");
        let recovery_won = won[1] == 200;
        let login = login_from(if recovery_won { by_recovery } else { by_app }).await;
        let left = status(&app, &login.access_token).await["recovery_codes_left"].clone();
        let expected = if recovery_won { 9 } else { 10 };
        assert_eq!(
            left,
            json!(expected),
            "{name}: only the winner spent a code"
        );
    }
}

#[tokio::test]
async fn the_metrics_count_code_requests_and_wrong_codes_apart_from_wrong_passwords() {
    let app = spawn_app_with(&["--metrics-bind", "127.0.0.1:0"]).await;
    let alice = enrolled(&app, "alice", "alice-password").await;
    let token = mfa_token(&app, "alice", "alice-password").await;
    assert_eq!(second_step(&app, &token, "000000").await.status(), 401);
    let right = code_at(&alice.secret, alice.step + 1);
    assert_eq!(second_step(&app, &token, &right).await.status(), 200);

    let text = crate::metrics::scrape(&app).await;

    assert_eq!(crate::metrics::login_count(&text, "mfa_required"), 1.0);
    assert_eq!(crate::metrics::login_count(&text, "bad_code"), 1.0);
    assert_eq!(crate::metrics::login_count(&text, "bad_credentials"), 0.0);
    assert_eq!(crate::metrics::login_count(&text, "success"), 2.0);
}

#[tokio::test]
async fn parallel_wrong_codes_stop_exactly_at_the_limit() {
    let app = spawn_app_with(&["--login-max-failures", "3"]).await;
    enrolled(&app, "alice", "alice-password").await;

    let attempts = (0..10).map(|i| {
        let wrong = format!("{:06}", 100_000 + i);
        let app = &app;
        async move {
            login_with_otp(app, "alice", "alice-password", &wrong)
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;

    statuses.sort_unstable();
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
}
