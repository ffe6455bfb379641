//! A login in flight never outlives a change that ends the user's other sessions: logins race a
//! password change, an admin reset, a second factor's confirmation, a disable and a delete;
//! afterwards no cookie any of them got refreshes, and none answered 500.

use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};

use crate::bearer::{admin_token, send};
use crate::helpers::*;
use crate::mfa::{code_at, enrol, now_step};

/// Logins per race.
const LOGINS: usize = 200;
/// Logins sent at once: enough to keep every hash thread busy, few enough
/// that none waits the 2 s a hash slot is waited for.
const AT_ONCE: usize = 4;
/// Answers between two changes, so each lands mid-flood.
const BETWEEN_CHANGES: usize = 30;

/// What the racing logins got: every status, and each 200's cookie with
/// the number of changes made before its login was sent.
pub(crate) struct Raced {
    statuses: Vec<u16>,
    cookies: Vec<(usize, String)>,
    changes: usize,
}

/// `LOGINS` logins of `username`, a few at a time; a login sent after `n`
/// changes uses `passwords[n]`. After each `BETWEEN_CHANGES` answers,
/// `change(n)` makes change `n + 1` while the next logins are in flight,
/// until every password has had its turn.
pub(crate) async fn race(
    app: &TestApp,
    username: &str,
    passwords: &[&str],
    mut change: impl AsyncFnMut(usize),
) -> Raced {
    let (answers, mut received) = mpsc::unbounded_channel();
    let gate = Arc::new(Semaphore::new(AT_ONCE));
    let changes = Arc::new(AtomicUsize::new(0));
    let passwords: Arc<Vec<String>> = Arc::new(passwords.iter().map(|p| p.to_string()).collect());
    for _ in 0..LOGINS {
        let (client, url, gate) = (app.client.clone(), app.url("/user/token"), gate.clone());
        let (answers, changes, passwords) = (answers.clone(), changes.clone(), passwords.clone());
        let username = username.to_string();
        tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let before = changes.load(Ordering::SeqCst);
            let form = [("username", &username), ("password", &passwords[before])];
            let response = client.post(url).form(&form).send().await.unwrap();
            let status = response.status().as_u16();
            let cookie = (status == 200).then(|| set_cookie(response.headers()).unwrap().value);
            answers.send((status, cookie.map(|c| (before, c)))).unwrap();
        });
    }
    drop(answers);
    let mut raced = Raced {
        statuses: Vec::new(),
        cookies: Vec::new(),
        changes: passwords.len() - 1,
    };
    while let Some((status, cookie)) = received.recv().await {
        raced.statuses.push(status);
        raced.cookies.extend(cookie);
        let made = changes.load(Ordering::SeqCst);
        if raced.statuses.len().is_multiple_of(BETWEEN_CHANGES) && made < raced.changes {
            change(made).await;
            changes.store(made + 1, Ordering::SeqCst);
        }
    }
    assert_eq!(
        changes.load(Ordering::SeqCst),
        raced.changes,
        "every change was made"
    );
    raced
}

/// Refreshes every cookie of a login sent before the last change; returns
/// how many still work. (Logins sent after it may rightly have sessions.)
async fn survivors(app: &TestApp, raced: &Raced) -> usize {
    let mut alive = 0;
    for (before, cookie) in &raced.cookies {
        if *before < raced.changes {
            alive += usize::from(app.refresh(cookie).await.status() == 200);
        }
    }
    alive
}

/// The race's verdict: no 500 (or anything but 200/401, and 503 `busy` when
/// a slow machine kept a login from a hash slot for the 2 s it waits: that
/// login started nothing), most logins judged, and no survivor.
pub(crate) async fn assert_none_survive(app: &TestApp, what: &str, raced: &Raced) {
    let odd: Vec<u16> = raced
        .statuses
        .iter()
        .copied()
        .filter(|s| ![200, 401, 503].contains(s))
        .collect();
    let busy = raced.statuses.iter().filter(|s| **s == 503).count();
    let alive = survivors(app, raced).await;
    eprintln!(
        "race with {what} (x{}): {} logins, {} got a cookie, {alive} outlived a change, {busy} busy, {} odd answers {odd:?}",
        raced.changes,
        raced.statuses.len(),
        raced.cookies.len(),
        odd.len()
    );
    assert!(
        odd.is_empty(),
        "{what}: answers other than 200/401/503: {odd:?}"
    );
    assert!(
        busy * 2 < raced.statuses.len(),
        "{what}: {busy} of {} logins were busy: too few raced",
        raced.statuses.len()
    );
    assert_eq!(alive, 0, "{what}: sessions of logins in flight outlived it");
}

/// Passwords a user goes through, one per change, then the last.
pub(crate) const PASSWORDS: [&str; 6] = [
    "password-0",
    "password-1",
    "password-2",
    "password-3",
    "password-4",
    "password-5",
];

async fn patch_user(app: &TestApp, admin: &str, username: &str, body: Value) {
    let path = format!("/admin/users/{username}");
    let response = send(app, Method::PATCH, &path, Some(admin), Some(body)).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn no_login_in_flight_outlives_a_password_change() {
    let app = spawn_app().await;
    app.add_user("alice", PASSWORDS[0], false);
    let here = app.login_ok("alice", PASSWORDS[0]).await;
    let token = Some(here.access_token.as_str());
    let raced = race(&app, "alice", &PASSWORDS, async |n| {
        let body = json!({"current_password": PASSWORDS[n], "new_password": PASSWORDS[n + 1]});
        let response = send(&app, Method::POST, "/user/password", token, Some(body)).await;
        assert_eq!(response.status(), 204);
    })
    .await;
    assert_none_survive(&app, "a password change", &raced).await;
}

#[tokio::test]
async fn no_login_in_flight_outlives_an_admin_password_reset() {
    let app = spawn_app().await;
    app.add_user("alice", PASSWORDS[0], false);
    let admin = admin_token(&app).await;
    let raced = race(&app, "alice", &PASSWORDS, async |n| {
        patch_user(&app, &admin, "alice", json!({"password": PASSWORDS[n + 1]})).await;
    })
    .await;
    assert_none_survive(&app, "an admin password reset", &raced).await;
}

#[tokio::test]
async fn no_password_only_login_in_flight_outlives_a_second_factor() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let here = app.login_ok("alice", "alice-password").await;
    let token = Some(here.access_token.as_str());
    let enrolment = enrol(&app, &here.access_token, "alice-password").await;
    let secret: Value = enrolment.json().await.unwrap();
    let secret = secret["secret"].as_str().unwrap();
    let passwords = ["alice-password"; 2];
    let raced = race(&app, "alice", &passwords, async |_| {
        let body = json!({"code": code_at(secret, now_step())});
        let response = send(
            &app,
            Method::POST,
            "/user/mfa/totp/confirm",
            token,
            Some(body),
        )
        .await;
        assert_eq!(response.status(), 200);
    })
    .await;
    assert_none_survive(&app, "a second factor confirmed", &raced).await;
}

#[tokio::test]
async fn no_login_in_flight_comes_back_after_a_disable_and_an_enable() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let admin = admin_token(&app).await;
    let raced = race(&app, "alice", &["alice-password"; 2], async |_| {
        patch_user(&app, &admin, "alice", json!({"disabled": true})).await;
    })
    .await;
    patch_user(&app, &admin, "alice", json!({"disabled": false})).await;
    assert_none_survive(&app, "a disable (then an enable)", &raced).await;
}

#[tokio::test]
async fn a_login_in_flight_when_its_user_is_deleted_is_refused_never_a_500() {
    let app = spawn_app().await;
    app.add_user("alice", "alice-password", false);
    let admin = admin_token(&app).await;
    let raced = race(&app, "alice", &["alice-password"; 2], async |_| {
        let response = send(
            &app,
            Method::DELETE,
            "/admin/users/alice",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(response.status(), 200);
    })
    .await;
    assert_none_survive(&app, "a delete", &raced).await;
}
