//! Groups on users: the admin API carries and filters them, `/user/me` and the access token show
//! them, every change is audited, and the command line reads and edits them.

use std::process::Output;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::bearer::*;
use crate::helpers::*;

async fn create(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    call(app, token, Method::POST, "/admin/users", Some(body)).await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `groups_changed` events about `username`, newest first, once `count` have arrived.
async fn groups_events(app: &TestApp, token: &str, username: &str, count: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let path = format!("/admin/audit?event=groups_changed&username={username}");
        let events: Vec<Value> = app.get_with_token(&path, token).await.json().await.unwrap();
        if events.len() >= count {
            return events;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{events:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_user_created_with_groups_has_them_sorted_once_in_its_record_token_and_me() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;

    let body = json!({"username": "carol", "password": "carol-password",
                      "groups": ["ops", "billing", "ops"]});
    let (status, record) = create(&app, &token, body).await;

    assert_eq!(status, 201, "{record}");
    assert_eq!(record["groups"], json!(["billing", "ops"]));
    let login = app.login_ok("carol", "carol-password").await;
    assert_eq!(
        claims(&login.access_token)["groups"],
        json!(["billing", "ops"])
    );
    let me: Value = app.me(&login.access_token).await.json().await.unwrap();
    assert_eq!(me["groups"], json!(["billing", "ops"]));
    let (_, admin) = call(&app, &token, Method::GET, "/admin/users/admin", None).await;
    assert_eq!(admin["groups"], json!([]));
}

#[tokio::test]
async fn put_and_patch_replace_the_groups_when_sent_and_keep_them_when_not() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({"username": "carol", "password": "carol-password", "groups": ["ops"]});
    create(&app, &token, body).await;
    let login = app.login_ok("carol", "carol-password").await;
    let path = "/admin/users/carol";

    let (_, kept) = call(
        &app,
        &token,
        Method::PATCH,
        path,
        Some(json!({"email": "c@example.com"})),
    )
    .await;
    let (_, replaced) = call(
        &app,
        &token,
        Method::PUT,
        path,
        Some(json!({"groups": ["dev", "billing"]})),
    )
    .await;
    let (_, emptied) = call(
        &app,
        &token,
        Method::PATCH,
        path,
        Some(json!({"groups": []})),
    )
    .await;
    let (_, again) = call(
        &app,
        &token,
        Method::PATCH,
        path,
        Some(json!({"groups": ["dev"]})),
    )
    .await;

    assert_eq!(kept["groups"], json!(["ops"]));
    assert_eq!(replaced["groups"], json!(["billing", "dev"]));
    assert_eq!(emptied["groups"], json!([]));
    assert_eq!(again["groups"], json!(["dev"]));
    let refreshed = app.refresh_ok(&login.cookie).await;
    assert_eq!(claims(&refreshed.access_token)["groups"], json!(["dev"]));
}

#[tokio::test]
async fn the_list_filters_by_group_and_refuses_a_bad_group_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    for (name, groups) in [
        ("ann", json!(["ops"])),
        ("ben", json!(["dev"])),
        ("cid", json!(["ops", "dev"])),
    ] {
        let body = json!({"username": name, "password": "long-password", "groups": groups});
        assert_eq!(create(&app, &token, body).await.0, 201);
    }

    let response = app.get_with_token("/admin/users?group=ops", &token).await;
    assert_eq!(response.headers()["x-total-count"], "2");
    let names: Vec<Value> = json(response)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].clone())
        .collect();
    assert_eq!(names, [json!("ann"), json!("cid")]);
    let (status, none) = call(&app, &token, Method::GET, "/admin/users?group=nobody", None).await;
    assert_eq!((status, none), (200, json!([])));
    let (status, _) = call(&app, &token, Method::GET, "/admin/users?group=Ops", None).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn a_bad_group_name_in_a_body_is_422_naming_it_and_changes_nothing() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let body =
        json!({"username": "carol", "password": "carol-password", "groups": ["ops", "Dev Team"]});

    let (status, error) = create(&app, &token, body).await;

    assert_eq!(status, 422);
    assert!(
        error["detail"].as_str().unwrap().contains("\"Dev Team\""),
        "{error}"
    );
    assert_eq!(
        call(&app, &token, Method::GET, "/admin/users/carol", None)
            .await
            .0,
        404
    );
    let path = "/admin/users/admin";
    for bad in [
        json!({"groups": ["-x"]}),
        json!({"groups": "ops"}),
        json!({"groups": [1]}),
    ] {
        let (status, _) = call(&app, &token, Method::PATCH, path, Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad}");
    }
}

#[tokio::test]
async fn every_change_of_groups_is_audited_with_who_whose_added_and_removed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({"username": "carol", "password": "carol-password", "groups": ["ops"]});
    create(&app, &token, body).await;
    let path = "/admin/users/carol";
    call(
        &app,
        &token,
        Method::PATCH,
        path,
        Some(json!({"groups": ["dev", "billing"]})),
    )
    .await;
    call(
        &app,
        &token,
        Method::PATCH,
        path,
        Some(json!({"groups": ["billing", "dev"]})),
    )
    .await;

    let events = groups_events(&app, &token, "carol", 2).await;

    assert_eq!(
        events.len(),
        2,
        "an unchanged set records nothing: {events:#?}"
    );
    assert_eq!(events[0]["actor"], "admin");
    assert_eq!(events[0]["reason"], "added=billing,dev;removed=ops");
    assert_eq!(events[1]["reason"], "added=ops;removed=");
}

#[tokio::test]
async fn the_command_line_adds_with_groups_edits_them_in_one_go_and_lists_them() {
    let app = spawn_app().await;

    let added = app.cli(
        &[
            "user",
            "add",
            "bob",
            "--group",
            "ops",
            "--group",
            "dev",
            "--password-stdin",
        ],
        "bob-password\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let shown = app.cli(&["user", "groups", "bob"], "");
    assert_eq!(stdout(&shown), "dev\nops\n");
    let changed = app.cli(
        &[
            "user", "groups", "BOB", "--add", "billing", "--remove", "ops", "--remove", "absent",
        ],
        "",
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert_eq!(stdout(&changed), "billing\ndev\n");

    let listed = stdout(&app.cli(&["user", "list"], ""));
    assert!(
        listed.lines().next().unwrap().contains("GROUPS"),
        "{listed}"
    );
    let bob = listed.lines().find(|l| l.starts_with("bob ")).unwrap();
    assert!(bob.contains(" billing,dev "), "{bob}");
    let login = app.login_ok("bob", "bob-password").await;
    let me: Value = app.me(&login.access_token).await.json().await.unwrap();
    assert_eq!(me["groups"], json!(["billing", "dev"]));
    let trail = stdout(&app.cli(&["audit", "--user", "bob", "--event", "groups_changed"], ""));
    assert!(trail.contains("added=dev,ops;removed="), "{trail}");
    assert!(trail.contains("added=billing;removed=ops"), "{trail}");
    assert!(
        trail.lines().skip(1).all(|l| l.contains(" cli ")),
        "{trail}"
    );
}

#[tokio::test]
async fn a_bad_group_name_on_the_command_line_exits_2_naming_it() {
    let app = spawn_app().await;
    app.add_user("bob", "bob-password", false);

    for args in [
        &[
            "user",
            "add",
            "carol",
            "--group",
            "Ops!",
            "--password-stdin",
        ][..],
        &["user", "groups", "bob", "--add", "Ops!"][..],
        &["user", "groups", "bob", "--remove", "Ops!"][..],
    ] {
        let output = app.cli(args, "carol-password\n");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains("\"Ops!\""), "{}", stderr(&output));
    }
    assert!(stdout(&app.cli(&["user", "groups", "bob"], "")).is_empty());
    assert_eq!(
        app.cli(&["user", "groups", "nobody"], "").status.code(),
        Some(1)
    );
}
