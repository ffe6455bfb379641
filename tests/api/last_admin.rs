//! The last enabled admin stays, whichever of the CLI and the admin API takes an admin away at the
//! same moment.

use latchkey::store::{Store, UserChange};
use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

const ROUNDS: usize = 100;

fn enabled_admins(store: &dyn Store) -> usize {
    let users = store.list_users().unwrap();
    users.iter().filter(|u| u.admin && !u.disabled).count()
}

/// Makes `name` an enabled admin again after a round.
fn restore(store: &dyn Store, name: &str) {
    let change = UserChange {
        admin: Some(true),
        disabled: Some(false),
        ..UserChange::default()
    };
    store
        .update_user(name, &change, latchkey::clock::now_ms())
        .unwrap();
}

#[tokio::test]
async fn a_cli_disable_racing_an_api_demote_of_the_other_admin_always_leaves_one_enabled_admin() {
    let app = spawn_app().await;
    app.add_user("alpha", "alpha-password", true);
    app.add_user("beta", "beta-password", true);
    let bootstrap = app.cli(&["user", "disable", "admin"], "");
    assert!(bootstrap.status.success(), "only alpha and beta are left");
    let mut beta = app.login_ok("beta", "beta-password").await.access_token;

    for round in 0..ROUNDS {
        let database = app.database.clone();
        let cli = tokio::task::spawn_blocking(move || {
            database
                .cli(&["user", "disable", "alpha"], "")
                .status
                .success()
        });
        let demote = Some(json!({"admin": false}));
        let (api, _) = call(&app, &beta, Method::PATCH, "/admin/users/beta", demote).await;
        let cli_won = cli.await.unwrap();

        let enabled = app.with_store(|store| {
            let enabled = enabled_admins(store);
            restore(store, "alpha");
            restore(store, "beta");
            enabled
        });
        assert_eq!(enabled, 1, "round {round}");
        assert!(
            cli_won != (api == 200),
            "round {round}: exactly one wins (cli {cli_won}, api {api})"
        );
        if api == 200 {
            // A demotion ends the demoted admin's sessions.
            beta = app.login_ok("beta", "beta-password").await.access_token;
        }
    }
}
