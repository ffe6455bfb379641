//! `/openapi.json` and `/docs`: the document lists exactly the routes the app serves, its schemas
//! describe the real answers, and the docs page loads nothing from elsewhere.

mod docs_page;
mod schema;

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, ADMIN_PASSWORD};

pub async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.expect("the document is JSON")
}

/// Checks a real answer against what the document says `method path`
/// answers with that status: the body's schema and the headers it names.
pub async fn assert_documented(doc: &Value, method: &str, path: &str, response: Response) -> Value {
    let status = response.status().as_str().to_string();
    let operation = &doc["paths"][path][method];
    assert!(operation.is_object(), "{method} {path} is not documented");
    let mut answer = &operation["responses"][&status];
    if let Some(target) = answer["$ref"].as_str() {
        answer = schema::resolve(doc, target);
    }
    assert!(
        answer.is_object(),
        "{method} {path} does not document {status}"
    );
    for header in answer["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|h| h.0)
    {
        assert!(
            response.headers().contains_key(header.as_str()),
            "{method} {path} {status}: documented header {header} is missing"
        );
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let documented = &answer["content"]["application/json"]["schema"];
    let violations = schema::violations(doc, documented, &body);
    assert!(
        violations.is_empty(),
        "{method} {path} {status}: {violations:#?}\n{body}"
    );
    body
}

#[tokio::test]
async fn the_document_is_openapi_3_with_the_login_route_as_the_password_flow() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "latchkey");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["OAuth2PasswordBearer"]["type"], "oauth2");
    assert_eq!(
        schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"],
        "/user/token"
    );
    assert_eq!(
        schemes["RefreshCookie"],
        json!({"type": "apiKey", "in": "cookie", "name": "refresh_token",
               "description": schemes["RefreshCookie"]["description"]})
    );
}

#[tokio::test]
async fn the_cookie_scheme_names_the_configured_cookie() {
    let app = spawn_app_with(&["--cookie-name", "lk_refresh"]).await;
    let doc = document(&app).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["RefreshCookie"]["name"],
        "lk_refresh"
    );
}

#[tokio::test]
async fn every_documented_operation_is_served_and_nothing_else_is() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let parameter = regex::Regex::new(r"\{[^}]+\}").unwrap();
    let mut documented = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = parameter.replace_all(path, "x");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let code = match status {
                404 | 405 => crate::helpers::error_of(response).await.1,
                _ => String::new(),
            };
            // A path parameter may name nothing (`x`): the handler's own 404.
            assert!(
                status != 405 && !(status == 404 && path.matches('{').count() == 0),
                "{method} {path} is documented but answered {status} {code}"
            );
            documented += 1;
        }
    }
    assert!(documented >= 35, "only {documented} operations documented");
    let unrouted = app.client.delete(app.url("/user/me")).send().await.unwrap();
    assert_eq!(unrouted.status(), 405, "an undocumented method is refused");
}

#[tokio::test]
async fn operation_ids_are_unique_and_security_names_a_defined_scheme() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut ids = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().expect("an operationId");
            assert!(!ids.contains(&id), "operationId {id} is used twice");
            ids.push(id);
            for requirement in operation["security"].as_array().into_iter().flatten() {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(schemes.contains_key(name), "{id}: no scheme {name}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_schemas_describe_real_answers_of_a_whole_session() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let login = app.login("admin", ADMIN_PASSWORD).await;
    let cookie = crate::helpers::set_cookie(login.headers()).unwrap().value;
    let body = assert_documented(&doc, "post", "/user/token", login).await;
    let token = body["access_token"].as_str().unwrap().to_string();

    let refreshed = app.refresh(&cookie).await;
    let body = assert_documented(&doc, "post", "/user/refresh-token", refreshed).await;
    let token_after = body["access_token"].as_str().unwrap();
    assert_ne!(token_after, token);
    let token = token_after.to_string();

    assert_documented(&doc, "get", "/user/me", app.me(&token).await).await;
    let sessions = app.get_with_token("/user/sessions", &token).await;
    let body = assert_documented(&doc, "get", "/user/sessions", sessions).await;
    assert_eq!(body.as_array().unwrap().len(), 1);

    let created = app
        .client
        .post(app.url("/admin/users"))
        .bearer_auth(&token)
        .json(
            &json!({"username": "alice", "password": "alice-password-1", "email": "a@example.com"}),
        )
        .send()
        .await
        .unwrap();
    assert_documented(&doc, "post", "/admin/users", created).await;
    let list = app
        .get_with_token("/admin/users?_sort=username&_end=10", &token)
        .await;
    let body = assert_documented(&doc, "get", "/admin/users", list).await;
    assert_eq!(body.as_array().unwrap().len(), 2);
    let record = app.get_with_token("/admin/users/alice", &token).await;
    assert_documented(&doc, "get", "/admin/users/{username}", record).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_documented(&doc, "get", "/healthz", health).await;
}

#[tokio::test]
async fn the_schemas_describe_real_error_answers() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let no_token = app.client.get(app.url("/user/me")).send().await.unwrap();
    assert_documented(&doc, "get", "/user/me", no_token).await;
    let bad_login = app.login("admin", "wrong-password").await;
    assert_documented(&doc, "post", "/user/token", bad_login).await;
    let no_cookie = app
        .client
        .post(app.url("/user/refresh-token"))
        .send()
        .await
        .unwrap();
    assert_documented(&doc, "post", "/user/refresh-token", no_cookie).await;
    let missing = app
        .client
        .post(app.url("/user/token"))
        .form(&[("username", "a")]);
    assert_documented(&doc, "post", "/user/token", missing.send().await.unwrap()).await;

    let token = app.login_ok("admin", ADMIN_PASSWORD).await.access_token;
    let unknown = app.get_with_token("/admin/users/nobody", &token).await;
    assert_documented(&doc, "get", "/admin/users/{username}", unknown).await;
    let bad_sort = app
        .get_with_token("/admin/users?_sort=password_hash", &token)
        .await;
    assert_documented(&doc, "get", "/admin/users", bad_sort).await;
    app.add_user("bob", "bob-password-1", false);
    let bob = app.login_ok("bob", "bob-password-1").await.access_token;
    let not_admin = app.get_with_token("/admin/users", &bob).await;
    assert_documented(&doc, "get", "/admin/users", not_admin).await;
}

#[tokio::test]
async fn a_wrong_method_is_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let response = app
        .client
        .put(app.url("/user/refresh-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
}
