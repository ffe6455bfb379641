//! `/auth/verify` and groups: `X-Auth-Groups` names the caller's groups, `?group=` lets members of
//! any named group through, and a removal takes effect at once (the groups are read on every
//! request, not from the token). Headers a client sends under the same names are never echoed.

use reqwest::{Method, Response};

use crate::bearer::admin_token;
use crate::helpers::*;

async fn verify(app: &TestApp, query: &str, token: &str) -> Response {
    app.client
        .request(Method::GET, app.url(&format!("/auth/verify{query}")))
        .bearer_auth(token)
        .header("X-Auth-Groups", "admins")
        .header("X-Auth-User", "root")
        .send()
        .await
        .expect("request sent")
}

/// alice in `ops` and `dev-team`, and her access token.
async fn alice(app: &TestApp) -> String {
    app.add_user("alice", "alice-password", false);
    let set = app.cli(
        &[
            "user", "groups", "alice", "--add", "ops", "--add", "dev-team",
        ],
        "",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    app.login_ok("alice", "alice-password").await.access_token
}

#[tokio::test]
async fn the_caller_s_groups_are_in_x_auth_groups_sorted_and_empty_when_none() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    let admin = admin_token(&app).await;

    let member = verify(&app, "", &token).await;
    let loner = verify(&app, "", &admin).await;

    assert_eq!(member.status(), 200);
    let groups: Vec<_> = member.headers().get_all("x-auth-groups").iter().collect();
    assert_eq!(groups, ["dev-team,ops"], "only latchkey's own value");
    let users: Vec<_> = member.headers().get_all("x-auth-user").iter().collect();
    assert_eq!(users, ["alice"]);
    assert_eq!(loner.headers()["x-auth-groups"], "");
}

#[tokio::test]
async fn a_member_of_any_named_group_passes_and_others_get_403() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    let admin = admin_token(&app).await;

    for query in [
        "?group=ops",
        "?group=billing&group=dev-team",
        "?group=ops&admin=false",
    ] {
        assert_eq!(verify(&app, query, &token).await.status(), 200, "{query}");
    }
    for (query, caller) in [
        ("?group=billing", &token),
        ("?group=ops&admin=true", &token),
        ("?group=ops", &admin),
        ("?admin=true&group=ops", &admin),
    ] {
        let response = verify(&app, query, caller).await;
        assert_eq!(response.status(), 403, "{query}");
        assert_eq!(error_of(response).await.1, "forbidden");
    }
}

#[tokio::test]
async fn a_removed_group_closes_the_location_at_once_for_the_same_token() {
    let app = spawn_app().await;
    let token = alice(&app).await;
    assert_eq!(verify(&app, "?group=ops", &token).await.status(), 200);

    let removed = app.cli(&["user", "groups", "alice", "--remove", "ops"], "");

    assert!(removed.status.success());
    assert_eq!(verify(&app, "?group=ops", &token).await.status(), 403);
    let response = verify(&app, "?group=dev-team", &token).await;
    assert_eq!(response.headers()["x-auth-groups"], "dev-team");
}
