//! A session job that panics answers 500 for itself; the session writer goes on, so later logins
//! and refreshes work. The panic comes from a test-only hook (`Config::panic_on_user_agent`) that
//! no flag or variable can set, built only with the `test-hooks` feature these tests enable.

use latchkey::config::{Config, ServeArgs};
use latchkey::startup::Application;

use crate::helpers::*;

const PANIC_UA: &str = "panic-in-the-session-writer";

async fn app_with_panicking_refresh() -> (TestApp, Login) {
    let app = spawn_app().await;
    let args = ServeArgs::from_flags(["--bind", "127.0.0.1:0"]).unwrap();
    let (db, secret) = (app.config.db.clone(), app.database.secret.clone());
    let mut config = Config::from_args(args, db, secret, None).unwrap();
    config.panic_on_user_agent = Some(PANIC_UA.into());
    let server = Application::build(config).unwrap();
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    // The hooked server shares the file; every request below goes to it.
    let app = TestApp { address, ..app };
    app.add_user("alice", "alice-password", false);
    let login = app.login_ok("alice", "alice-password").await;
    (app, login)
}

async fn refresh_as(app: &TestApp, cookie: &str, ua: &str) -> reqwest::Response {
    app.client
        .post(app.url("/user/refresh-token"))
        .header("Cookie", format!("refresh_token={cookie}"))
        .header("User-Agent", ua)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_panicking_session_job_answers_500_and_the_writer_goes_on() {
    let (app, login) = app_with_panicking_refresh().await;

    let panicked = refresh_as(&app, &login.cookie, PANIC_UA).await;

    assert_eq!(panicked.status(), 500);
    assert_eq!(error_of(panicked).await.1, "internal");
    let refreshed = refresh_as(&app, &login.cookie, "a browser").await;
    assert_eq!(refreshed.status(), 200, "the id was not used up");
    let next = login_from(refreshed).await;
    app.refresh_ok(&next.cookie).await;
    app.login_ok("alice", "alice-password").await;
}

#[tokio::test]
async fn a_panic_in_a_batch_spoils_none_of_the_other_jobs() {
    let (app, login) = app_with_panicking_refresh().await;
    let others: Vec<Login> =
        futures_util::future::join_all((0..6).map(|_| app.login_ok("alice", "alice-password")))
            .await;

    let (panicked, refreshed) = tokio::join!(
        refresh_as(&app, &login.cookie, PANIC_UA),
        futures_util::future::join_all(others.iter().map(|o| app.refresh(&o.cookie))),
    );

    assert_eq!(panicked.status(), 500);
    assert!(refreshed.iter().all(|r| r.status() == 200));
    assert_eq!(
        refresh_as(&app, &login.cookie, "a browser").await.status(),
        200
    );
}
