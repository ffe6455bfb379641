//! A login in flight on one instance never outlives a password change made on another: the
//! change's row lock and the login's `FOR SHARE` read meet in the one database.

use reqwest::Method;
use serde_json::json;

use super::cluster;
use crate::bearer::send;
use crate::login_races::{assert_none_survive, race, PASSWORDS};

#[tokio::test]
async fn no_login_in_flight_on_one_instance_outlives_a_password_change_on_another() {
    let cluster = cluster(&[]).await;
    cluster.a.add_user("alice", PASSWORDS[0], false);
    let here = cluster.b.login_ok("alice", PASSWORDS[0]).await;
    let token = Some(here.access_token.as_str());
    let raced = race(&cluster.a, "alice", &PASSWORDS, async |n| {
        let body = json!({"current_password": PASSWORDS[n], "new_password": PASSWORDS[n + 1]});
        let response = send(
            &cluster.b,
            Method::POST,
            "/user/password",
            token,
            Some(body),
        )
        .await;
        assert_eq!(response.status(), 204);
    })
    .await;
    assert_none_survive(&cluster.c, "a password change on another instance", &raced).await;
}
