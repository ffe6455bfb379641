//! `/admin/users` in the shape React Admin's `ra-data-json-server` uses unchanged. Admins only; the
//! rules that must hold together (last admin, ending sessions) live in the store's transactions.

mod input;
mod query;
pub(crate) mod sessions;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::audit::Kind;
use crate::auth::extract::Admin;
use crate::auth::password;
use crate::clock;
use crate::domain::NewPassword;
use crate::error::ApiError;
use crate::http::body::read_after_auth;
use crate::http::report;
use crate::openapi::{self, AdminOnly};
use crate::routes::user::{AdminExtras, UserRecord};
use crate::state::AppState;
use crate::store::{User, UserChange};
use crate::{blocking, bootstrap};

use input::{ChangeBody, CreateBody};

const NO_SUCH_USER: ApiError = ApiError::NotFound("User not found");

/// `X-Total-Count` is the number of matches before paging.
#[utoipa::path(get, path = "/admin/users", tag = "admin", operation_id = "list_users",
    summary = "List users", security(("OAuth2PasswordBearer" = [])),
    params(query::ListParams),
    responses(
        (status = 200, description = "One page of users", body = Vec<UserRecord>,
            headers(("X-Total-Count" = u64, description = "Matches after filtering, before paging"))),
        AdminOnly, openapi::Invalid))]
pub async fn list(
    _: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query::parse(req.query_string())?;
    let store = state.store.clone();
    let (users, total, extras) = blocking::run(move || {
        let (users, total) = store.query_users(&query)?;
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        Ok((users, total, AdminExtras::read(store.as_ref(), &ids)?))
    })
    .await?;
    let records: Vec<UserRecord> = users
        .iter()
        .map(|u| UserRecord::admin(u, &extras))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Total-Count", total.to_string()))
        .json(records))
}

/// 201 with the record; 409 when the name is taken (under Unicode case folding).
#[utoipa::path(post, path = "/admin/users", tag = "admin", operation_id = "create_user",
    summary = "Create a user", security(("OAuth2PasswordBearer" = [])),
    request_body(content((CreateBody = "application/json")),
        description = "JSON (a form with the same fields is read too, without JSON's `null`)"),
    responses(
        (status = 201, description = "Created", body = UserRecord,
            headers(("Location" = String, description = "`/admin/users/<username>`"))),
        AdminOnly, openapi::Conflict, openapi::Body))]
pub async fn create(
    Admin(admin): Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: CreateBody = read_after_auth(&req, payload).await?;
    let (mut user, new_password) = body.validate()?;
    let slot = state.hashing.acquire().await?;
    let store = state.store.clone();
    let created = slot
        .run(move || {
            user.password_hash = password::hash(&new_password).map_err(ApiError::internal)?;
            Ok(store.insert_user(&user, clock::now_ms())?)
        })
        .await;
    let created = created?;
    let name = &admin.user.username;
    let event = report::by_admin(&state, &req, Kind::UserCreated, &created.username, name);
    report::audit(&state, event);
    report::groups_changed(
        &state,
        &req,
        name,
        &created.username,
        (&[], &created.groups),
    );
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::LOCATION,
            format!("/admin/users/{}", created.username),
        ))
        .json(UserRecord::admin(&created, &AdminExtras::default())))
}

#[utoipa::path(get, path = "/admin/users/{username}", tag = "admin", operation_id = "read_user",
    summary = "One user", security(("OAuth2PasswordBearer" = [])), params(("username" = String, Path, description = "The user's `id` (its username)")),
    responses((status = 200, description = "The user", body = UserRecord),
        AdminOnly, openapi::NotFound))]
pub async fn read(
    _: Admin,
    username: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = username.into_inner();
    let user = blocking::run(move || Ok(store.user_by_name(&username)?)).await?;
    record(&state, &user.ok_or(NO_SUCH_USER)?).await
}

/// PUT and PATCH: fields not sent stay as they are.
#[utoipa::path(method(put, patch), path = "/admin/users/{username}", tag = "admin",
    operation_id = "update_user", summary = "Change a user",
    description = "PUT and PATCH alike: fields not sent stay as they are. Disabling, demoting or \
        setting the password ends the user's sessions; the last enabled admin cannot be \
        disabled or demoted (409).",
    security(("OAuth2PasswordBearer" = [])), params(("username" = String, Path, description = "The user's `id` (its username)")),
    request_body(content((Option<ChangeBody> = "application/json")),
        description = "JSON (a form with the same fields is read too, without JSON's `null`); \
            no body changes nothing"),
    responses((status = 200, description = "The updated user", body = UserRecord),
        AdminOnly, openapi::NotFound, openapi::Conflict, openapi::Body))]
pub async fn update(
    Admin(admin): Admin,
    username: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let username = username.into_inner();
    let body: ChangeBody = read_after_auth(&req, payload).await?;
    let (change, new_password) = body.validate(&username)?;
    let password_set = new_password.is_some();
    let updated = apply(&state, username, change, new_password).await?;
    let (before, after) = updated.ok_or(NO_SUCH_USER)?;
    let admin = &admin.user.username;
    report::user_changed(&state, &req, admin, (&before, &after), password_set);
    record(&state, &after).await
}

/// 200 with the record as it was; the user's sessions go with it.
#[utoipa::path(delete, path = "/admin/users/{username}", tag = "admin", operation_id = "delete_user",
    summary = "Delete a user", description = "Its sessions go with it; the last enabled admin cannot be deleted (409).",
    security(("OAuth2PasswordBearer" = [])), params(("username" = String, Path, description = "The user's `id` (its username)")),
    responses((status = 200, description = "The user as it was", body = UserRecord),
        AdminOnly, openapi::NotFound, openapi::Conflict))]
pub async fn delete(
    Admin(admin): Admin,
    username: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let username = username.into_inner();
    let deleted = blocking::run(move || {
        // Read first: the factors go with the user.
        let extras = match store.user_by_name(&username)? {
            Some(user) => AdminExtras::read(store.as_ref(), &[user.id])?,
            None => AdminExtras::default(),
        };
        Ok(store
            .delete_user_unless_last_admin(&username)?
            .map(|user| UserRecord::admin(&user, &extras)))
    })
    .await?;
    let deleted = deleted.ok_or(NO_SUCH_USER)?;
    let name = &admin.user.username;
    let event = report::by_admin(&state, &req, Kind::UserDeleted, &deleted.username, name);
    report::audit(&state, event);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(deleted))
}

/// Hashes a new password (holding a hashing slot) and stores the change in
/// the same blocking hop; returns the user before and after (for the audit
/// trail), or `None` for an unknown user.
async fn apply(
    state: &web::Data<AppState>,
    username: String,
    mut change: UserChange,
    new_password: Option<NewPassword>,
) -> Result<Option<(User, User)>, ApiError> {
    let slot = match new_password {
        Some(_) => Some(state.hashing.acquire().await?),
        None => None,
    };
    let store = state.store.clone();
    let password_file = state.bootstrap_password_file.clone();
    let work = move || {
        let password_set = new_password.is_some();
        if let Some(new_password) = new_password {
            let hash = password::hash(&new_password).map_err(ApiError::internal)?;
            change.password_hash = Some(hash);
        }
        let Some(before) = store.user_by_name(&username)? else {
            return Ok(None);
        };
        let after = store.update_user(&username, &change, clock::now_ms())?;
        if password_set && after.is_some() {
            bootstrap::forget_password(&username, &password_file);
        }
        Ok(after.map(|after| (before, after)))
    };
    match slot {
        Some(slot) => slot.run(work).await,
        None => blocking::run(work).await,
    }
}

/// The admin record, with the user's second factor and passkeys.
async fn record(state: &AppState, user: &User) -> Result<HttpResponse, ApiError> {
    let store = state.store.clone();
    let id = user.id;
    let extras = blocking::run(move || Ok(AdminExtras::read(store.as_ref(), &[id])?)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(UserRecord::admin(user, &extras)))
}
