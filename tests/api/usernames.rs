//! Usernames in Unicode: a name is stored in NFKC and is unique under Unicode full case folding, so
//! its composed and decomposed spellings and its cases are one name to create, to look up and to
//! log in with.

use reqwest::Method;
use serde_json::json;

use crate::bearer::*;
use crate::helpers::*;

const COMPOSED: &str = "\u{c9}lise";
const DECOMPOSED: &str = "E\u{301}lise";
const LOWER: &str = "\u{e9}lise";
const UPPER: &str = "\u{c9}LISE";

#[tokio::test]
async fn composed_and_decomposed_spellings_are_one_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let first = json!({"username": DECOMPOSED, "password": "elise-password"});
    let again = json!({"username": COMPOSED, "password": "other-password"});

    let (created, record) = call(&app, &token, Method::POST, "/admin/users", Some(first)).await;
    let (status, _) = call(&app, &token, Method::POST, "/admin/users", Some(again)).await;

    assert_eq!(created, 201);
    assert_eq!(record["username"], COMPOSED, "stored normalised");
    assert_eq!(status, 409);
    app.login_ok(COMPOSED, "elise-password").await;
    app.login_ok(DECOMPOSED, "elise-password").await;
}

#[tokio::test]
async fn compatibility_forms_log_in_as_the_plain_name() {
    let app = spawn_app().await;
    app.add_user("elise", "elise-password", false);

    // Fullwidth letters are the same name after NFKC.
    app.login_ok("\u{ff45}lise", "elise-password").await;
}

#[tokio::test]
async fn names_differing_only_in_unicode_case_are_one_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let user = |name: &str| json!({"username": name, "password": "some-password"});

    let (first, _) = call(
        &app,
        &token,
        Method::POST,
        "/admin/users",
        Some(user(COMPOSED)),
    )
    .await;
    let (lower, body) = call(
        &app,
        &token,
        Method::POST,
        "/admin/users",
        Some(user(LOWER)),
    )
    .await;
    let (sharp, _) = call(
        &app,
        &token,
        Method::POST,
        "/admin/users",
        Some(user("Stra\u{df}e")),
    )
    .await;
    let (upper, _) = call(
        &app,
        &token,
        Method::POST,
        "/admin/users",
        Some(user("STRASSE")),
    )
    .await;
    // A Cyrillic capital Ie looks like E but is another letter: another name.
    let (lookalike, _) = call(
        &app,
        &token,
        Method::POST,
        "/admin/users",
        Some(user("\u{415}lise")),
    )
    .await;

    assert_eq!((first, lower, sharp, upper), (201, 409, 201, 409), "{body}");
    assert_eq!(body["code"], "conflict");
    assert_eq!(lookalike, 201);
}

#[tokio::test]
async fn a_login_in_any_case_or_spelling_of_a_name_finds_its_user() {
    let app = spawn_app().await;
    app.add_user(COMPOSED, "elise-password", false);
    app.add_user("Stra\u{df}e", "street-password", false);

    for spelling in [UPPER, LOWER, DECOMPOSED, "\u{e9}lIsE"] {
        let login = app.login_ok(spelling, "elise-password").await;
        assert_eq!(claims(&login.access_token)["sub"], COMPOSED, "{spelling}");
    }
    let street = app.login_ok("STRASSE", "street-password").await;

    assert_eq!(claims(&street.access_token)["sub"], "Stra\u{df}e");
    assert_eq!(app.login(UPPER, "street-password").await.status(), 401);
}

#[tokio::test]
async fn admin_routes_find_a_user_by_any_case_of_its_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.add_user(COMPOSED, "elise-password", false);
    let path = format!("/admin/users/{UPPER}");

    let (read, record) = call(&app, &token, Method::GET, &path, None).await;
    let patch = Some(json!({"full_name": "\u{c9}lise Example", "username": LOWER}));
    let (patched, changed) = call(&app, &token, Method::PATCH, &path, patch).await;
    let (deleted, _) = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/admin/users/{LOWER}"),
        None,
    )
    .await;

    assert_eq!((read, patched, deleted), (200, 200, 200), "{changed}");
    assert_eq!(record["username"], COMPOSED, "the name as it was created");
    assert_eq!(changed["full_name"], "\u{c9}lise Example");
    assert_eq!(app.login(COMPOSED, "elise-password").await.status(), 401);
}

#[tokio::test]
async fn the_user_list_search_matches_a_name_in_any_unicode_case() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.add_user(COMPOSED, "elise-password", false);
    app.add_user("Stra\u{df}e", "street-password", false);

    let (_, found) = call(
        &app,
        &token,
        Method::GET,
        &format!("/admin/users?q={UPPER}"),
        None,
    )
    .await;
    let (_, street) = call(&app, &token, Method::GET, "/admin/users?q=strasse", None).await;

    assert_eq!(found[0]["username"], COMPOSED, "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(street[0]["username"], "Stra\u{df}e", "{street}");
}
