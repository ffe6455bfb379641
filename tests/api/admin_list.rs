use latchkey::store::{NewUser, Store};
use serde_json::Value;

use crate::bearer::*;
use crate::helpers::*;

/// user01..user30 besides `admin`; created in reverse name order, every
/// third disabled, every tenth an admin, e-mails in reverse name order.
async fn app_with_30_users() -> (TestApp, String) {
    let app = spawn_app().await;
    let hash = app.user("admin").unwrap().password_hash;
    let base = latchkey::clock::now_ms();
    app.with_store(|store| add_30_users(store, &hash, base));
    let token = admin_token(&app).await;
    (app, token)
}

fn add_30_users(store: &dyn Store, hash: &str, base: i64) {
    for i in 1..=30 {
        let user = NewUser {
            username: format!("user{i:02}"),
            email: Some(format!("{:02}@mail{}.example", 31 - i, i % 2)),
            full_name: Some(format!("Person {i:02}")),
            password_hash: hash.into(),
            admin: i % 10 == 0,
            disabled: i % 3 == 0,
            groups: Vec::new(),
        };
        store.insert_user(&user, base + (31 - i) * 1000).unwrap();
    }
}

/// The usernames of a page and its `X-Total-Count`.
async fn page(app: &TestApp, token: &str, query: &str) -> (Vec<String>, u64) {
    let response = app
        .get_with_token(&format!("/admin/users?{query}"), token)
        .await;
    assert_eq!(response.status(), 200, "GET /admin/users?{query}");
    let total = response.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let records: Value = response.json().await.unwrap();
    let names = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["id"], r["username"], "id is the username");
            r["username"].as_str().unwrap().to_string()
        })
        .collect();
    (names, total)
}

fn users(numbers: impl IntoIterator<Item = i64>) -> Vec<String> {
    numbers.into_iter().map(|i| format!("user{i:02}")).collect()
}

#[tokio::test]
async fn pages_follow_start_and_end_and_the_total_counts_every_match() {
    let (app, token) = app_with_30_users().await;

    let (first, total) = page(&app, &token, "_start=0&_end=10&_sort=username&_order=ASC").await;
    assert_eq!(total, 31);
    assert_eq!(first, [vec!["admin".to_string()], users(1..=9)].concat());
    let (second, total) = page(&app, &token, "_start=10&_end=20&_sort=username&_order=ASC").await;
    assert_eq!((second, total), (users(10..=19), 31));
    let (last, total) = page(&app, &token, "_start=25&_end=35&_sort=username&_order=ASC").await;
    assert_eq!((last, total), (users(25..=30), 31));
    let (beyond, total) = page(&app, &token, "_start=40&_end=50").await;
    assert_eq!((beyond.len(), total), (0, 31));
    let (all, _) = page(&app, &token, "").await;
    assert_eq!(all.len(), 31, "no paging parameters: every user");
}

#[tokio::test]
async fn every_allowed_sort_field_orders_the_whole_list_before_paging() {
    let (app, token) = app_with_30_users().await;

    let (desc, _) = page(&app, &token, "_start=0&_end=3&_sort=id&_order=DESC").await;
    assert_eq!(desc, users([30, 29, 28]));
    // Created in reverse name order, so the oldest is user30 after the admin.
    let (oldest, _) = page(&app, &token, "_start=0&_end=3&_sort=created_at&_order=ASC").await;
    assert_eq!(
        oldest,
        [vec!["admin".to_string()], users([30, 29])].concat()
    );
    let (newest, _) = page(&app, &token, "_start=0&_end=2&_sort=created_at&_order=DESC").await;
    assert_eq!(newest, users([1, 2]));
    // The admin has no e-mail: SQL puts NULL first in ascending order.
    let (by_email, _) = page(&app, &token, "_start=0&_end=3&_sort=email&_order=ASC").await;
    assert_eq!(
        by_email,
        [vec!["admin".to_string()], users([30, 29])].concat()
    );
    let (by_name, _) = page(&app, &token, "_start=0&_end=2&_sort=full_name&_order=DESC").await;
    assert_eq!(by_name, users([30, 29]));
    let (admins_first, _) = page(&app, &token, "_start=0&_end=4&_sort=admin&_order=DESC").await;
    assert_eq!(
        admins_first,
        [vec!["admin".to_string()], users([10, 20, 30])].concat()
    );
    let (disabled_first, _) =
        page(&app, &token, "_start=0&_end=2&_sort=disabled&_order=DESC").await;
    assert_eq!(disabled_first, users([3, 6]));
}

#[tokio::test]
async fn an_unknown_sort_field_or_bad_paging_is_422() {
    let (app, token) = app_with_30_users().await;
    // Each refusal names the parameter at fault.
    for (query, named) in [
        ("_sort=password_hash", "_sort"),
        ("_sort=username;DROP TABLE users", "_sort"),
        ("_order=sideways", "_order"),
        ("_start=-1&_end=5", "_start"),
        ("_start=ten", "_start"),
        ("_start=9&_end=3", "_start"),
        ("_start=1&_start=2", "_start"),
        ("disabled=maybe", "disabled"),
        ("role=admin", "role"),
    ] {
        let response = app
            .get_with_token(&format!("/admin/users?{query}"), &token)
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let (detail, code) = error_of(response).await;
        assert_eq!(code, "invalid_request");
        assert!(detail.contains(named), "{query}: {detail}");
    }
    assert_eq!(page(&app, &token, "").await.1, 31, "nothing was dropped");
}

#[tokio::test]
async fn field_filters_narrow_the_list_and_the_total() {
    let (app, token) = app_with_30_users().await;

    let (disabled, total) = page(&app, &token, "disabled=true&_sort=username").await;
    assert_eq!((disabled, total), (users((3..=30).step_by(3)), 10));
    let (admins, total) = page(&app, &token, "admin=true&_sort=username").await;
    assert_eq!(total, 4);
    assert_eq!(
        admins,
        [vec!["admin".to_string()], users([10, 20, 30])].concat()
    );
    let (both, total) = page(&app, &token, "admin=true&disabled=true").await;
    assert_eq!((both, total), (users([30]), 1));
    let (enabled_users, total) =
        page(&app, &token, "admin=false&disabled=false&_start=0&_end=5").await;
    assert_eq!((enabled_users.len(), total), (5, 18));
}

#[tokio::test]
async fn q_matches_username_email_and_full_name_case_insensitively() {
    let (app, token) = app_with_30_users().await;

    let (by_username, total) = page(&app, &token, "q=USER1&_sort=username").await;
    assert_eq!((by_username, total), (users(10..=19), 10));
    let (by_email, _) = page(&app, &token, "q=07%40MAIL").await;
    assert_eq!(by_email, users([24]));
    let (by_full_name, _) = page(&app, &token, "q=person%2005").await;
    assert_eq!(by_full_name, users([5]));
    let (with_filter, total) = page(
        &app,
        &token,
        "q=mail1&disabled=true&_start=0&_end=2&_sort=username",
    )
    .await;
    assert_eq!((with_filter, total), (users([3, 9]), 5));
    let (none, total) = page(&app, &token, "q=nobody-matches-this").await;
    assert_eq!((none.len(), total), (0, 0));
}

#[tokio::test]
async fn repeated_id_parameters_fetch_exactly_those_records() {
    let (app, token) = app_with_30_users().await;

    let (many, total) = page(
        &app,
        &token,
        "id=user07&id=user03&id=USER21&id=ghost&_sort=id",
    )
    .await;

    assert_eq!((many, total), (users([3, 7, 21]), 3));
}
