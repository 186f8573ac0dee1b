//! A customer's user accounts: create, list (with deleted users behind a filter), read,
//! update (with password reset and restore) and delete, App+User only as Microsoft documents;
//! and the directory roles they hold ([`roles`]).
//!
//! Storage is in [`directory`]; the rules a user must follow in [`rules`]; seek paging in
//! [`paging`].

pub mod directory;
pub mod paging;
pub mod roles;
pub mod rules;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use partnerd_store::{CustomerId, CustomerView, StoredResponse};
use partnerd_wire::{CustomerUser, ResourceCollection, UserFilter, UserState};

use crate::api::customers::related;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult, Violation};
use crate::http::idempotency::respond;
use crate::http::params::{CustomerChild, PathId};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

use directory::StoredUser;

/// The customer, for an App+User caller related to it.
pub async fn customer(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
) -> ApiResult<CustomerView> {
    caller.require_user()?;
    related(state, caller, id).await
}

/// The customer's domains in lower case: its first, and those added since.
fn domains(view: &CustomerView) -> Vec<String> {
    let mut all = vec![view.domain.to_ascii_lowercase()];
    for d in &view.custom_domains {
        let d = d.to_ascii_lowercase();
        if !all.contains(&d) {
            all.push(d);
        }
    }
    all
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Checks the properties a create or update sets; `creating` makes the sign-in name, display
/// name and password required.
fn check(body: &CustomerUser, view: &CustomerView, creating: bool) -> ApiResult<()> {
    let mut v: Vec<Violation> = Vec::new();
    match given(&body.user_principal_name) {
        Some(upn) => {
            if let Some(why) = rules::user_name_problem(&upn, &domains(view)) {
                v.push(("userPrincipalName".to_owned(), why));
            }
        }
        None if creating => v.push(("userPrincipalName".to_owned(), "is required".to_owned())),
        None => {}
    }
    rules::text(
        &mut v,
        "displayName",
        body.display_name.as_deref(),
        256,
        creating,
    );
    rules::text(&mut v, "firstName", body.first_name.as_deref(), 64, false);
    rules::text(&mut v, "lastName", body.last_name.as_deref(), 64, false);
    rules::text(
        &mut v,
        "immutableId",
        body.immutable_id.as_deref(),
        256,
        false,
    );
    rules::text(
        &mut v,
        "phoneNumber",
        body.phone_number.as_deref(),
        64,
        false,
    );
    rules::usage_location(&mut v, body.usage_location.as_deref());
    let password = body
        .password_profile
        .as_ref()
        .and_then(|p| p.password.as_deref());
    match password {
        Some(p) => {
            if let Some(why) = rules::password_problem(p) {
                v.push(("passwordProfile.password".to_owned(), why));
            }
        }
        None if creating => v.push((
            "passwordProfile.password".to_owned(),
            "is required".to_owned(),
        )),
        None => {}
    }
    if body.user_domain_type == Some(partnerd_wire::UserDomainType::Federated) {
        v.push((
            "userDomainType".to_owned(),
            "a user cannot be made in a federated domain".to_owned(),
        ));
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_properties(v))
    }
}

/// The argon2id hash of a password, off the async workers.
async fn hash(password: &str) -> ApiResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || crate::identity::hash_secret(&password))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|e| ApiError::internal(&e))
}

fn now_ms(state: &AppState) -> i64 {
    crate::http::operations::now_ms(state)
}

/// `GET /v1/customers/{id}/users`: a page of active users in creation order (or by
/// `sortField`); `filter` on `UserState` (`Inactive`: the deleted ones), `DisplayName` or
/// `UserPrincipalName`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<CustomerUser>>> {
    let view = customer(&state, &caller, &id).await?;
    let params = paging::ListParams::read(query.as_deref());
    let scan = paging::scan(
        &state,
        &headers,
        &params,
        &caller.partner.tenant_id,
        &id,
        "users",
        true,
    )?;
    let users: Vec<StoredUser> = directory::users(&state, &view)
        .await?
        .into_iter()
        .filter(|u| {
            UserFilter::admits(
                scan.filter.as_ref(),
                &u.display_name,
                &u.user_principal_name,
                u.state,
            )
        })
        .collect();
    let page = paging::page(
        &state,
        &scan,
        users,
        |u| (sort_key(scan.order, u), u.id.clone()),
        |u| u.view(&id),
        &format!("/customers/{id}/users"),
    );
    Ok(Reply::ok(format, page))
}

/// A user's position in an order.
pub fn sort_key(order: paging::SortField, u: &StoredUser) -> String {
    match order {
        paging::SortField::Created => format!("{:020}", u.created_ms),
        paging::SortField::DisplayName => u.display_name.to_lowercase(),
        paging::SortField::UserPrincipalName => u.user_principal_name.to_lowercase(),
    }
}

/// `POST /v1/customers/{id}/users`: a new active user with the password of its
/// `passwordProfile` (kept only as a hash); 200 with the user, as Microsoft's sample answers.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    WireBody(body): WireBody<CustomerUser>,
) -> ApiResult<Reply<CustomerUser>> {
    let view = customer(&state, &caller, &id).await?;
    check(&body, &view, true)?;
    let upn = given(&body.user_principal_name).unwrap_or_default();
    let profile = body.password_profile.clone().unwrap_or_default();
    let password_hash = hash(profile.password.as_deref().unwrap_or_default()).await?;
    let user = StoredUser {
        id: uuid::Uuid::new_v4().to_string(),
        user_principal_name: upn.clone(),
        display_name: given(&body.display_name).unwrap_or_default(),
        first_name: given(&body.first_name),
        last_name: given(&body.last_name),
        usage_location: given(&body.usage_location).map(|l| l.to_ascii_uppercase()),
        immutable_id: given(&body.immutable_id),
        phone_number: given(&body.phone_number),
        password_hash: Some(password_hash),
        force_change_password: profile.force_change_password.unwrap_or(false),
        state: UserState::Active,
        deleted_at: None,
        created_ms: now_ms(&state),
        roles: Vec::new(),
    };
    directory::change(&state, &view, &caller.partner.tenant_id, |users| {
        directory::name_free(users, &upn, &user.id)?;
        users.push(user.clone());
        Ok(())
    })
    .await?;
    Ok(Reply::with_status(StatusCode::OK, format, user.view(&id)))
}

/// `GET /v1/customers/{id}/users/{userId}`: an active user; 404/3000 for a deleted one.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    CustomerChild(id, user): CustomerChild,
) -> ApiResult<Reply<CustomerUser>> {
    let view = customer(&state, &caller, &id).await?;
    let user = directory::find_active(&state, &view, &user).await?;
    Ok(Reply::ok(format, user.view(&id)))
}

/// `PATCH /v1/customers/{id}/users/{userId}`: the properties given change (a null or absent
/// one stays; the read-only ones a client echoes back are ignored). A `passwordProfile`
/// resets the password. `state: active` on a deleted user restores it (within 30 days);
/// any other change of a deleted user is 404/3000.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    CustomerChild(id, user): CustomerChild,
    WireBody(body): WireBody<CustomerUser>,
) -> ApiResult<Reply<CustomerUser>> {
    let view = customer(&state, &caller, &id).await?;
    check(&body, &view, false)?;
    if body.state == Some(UserState::Inactive) {
        return Err(ApiError::invalid_properties(vec![(
            "state".to_owned(),
            "a user is made inactive by deleting it".to_owned(),
        )]));
    }
    let password_hash = match body
        .password_profile
        .as_ref()
        .and_then(|p| p.password.as_deref())
    {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let next = directory::change(&state, &view, &caller.partner.tenant_id, |users| {
        let at = directory::position(users, &user)?;
        let mut next = users[at].clone();
        // A deleted user can only be restored (with what else the body changes).
        if next.state == UserState::Inactive && body.state != Some(UserState::Active) {
            return Err(ApiError::user_not_found(&user));
        }
        if let Some(upn) = given(&body.user_principal_name) {
            next.user_principal_name = upn;
        }
        directory::name_free(users, &next.user_principal_name, &next.id)?;
        apply(&mut next, &body, password_hash.clone());
        next.state = UserState::Active;
        next.deleted_at = None;
        users[at] = next.clone();
        Ok(next)
    })
    .await?;
    Ok(Reply::ok(format, next.view(&id)))
}

/// Sets on `user` the properties `body` gives (null or absent ones stay).
fn apply(user: &mut StoredUser, body: &CustomerUser, password_hash: Option<String>) {
    let set = |slot: &mut Option<String>, value: &Option<String>| {
        if let Some(v) = given(value) {
            *slot = Some(v);
        }
    };
    if let Some(name) = given(&body.display_name) {
        user.display_name = name;
    }
    set(&mut user.first_name, &body.first_name);
    set(&mut user.last_name, &body.last_name);
    set(&mut user.immutable_id, &body.immutable_id);
    set(&mut user.phone_number, &body.phone_number);
    if let Some(l) = given(&body.usage_location) {
        user.usage_location = Some(l.to_ascii_uppercase());
    }
    if let Some(hash) = password_hash {
        user.password_hash = Some(hash);
    }
    if let Some(force) = body
        .password_profile
        .as_ref()
        .and_then(|p| p.force_change_password)
    {
        user.force_change_password = force;
    }
}

/// `DELETE /v1/customers/{id}/users/{userId}`: 204; the user turns `inactive`, leaves its
/// roles, keeps its name, and can be restored for 30 days.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    CustomerChild(id, user): CustomerChild,
) -> ApiResult<Response> {
    let view = customer(&state, &caller, &id).await?;
    let now = state.clock.now_secs();
    directory::change(&state, &view, &caller.partner.tenant_id, |users| {
        let at = directory::position(users, &user)?;
        let u = &mut users[at];
        if u.state != UserState::Active {
            return Err(ApiError::user_not_found(&user));
        }
        u.state = UserState::Inactive;
        u.deleted_at = Some(now);
        u.roles.clear();
        Ok(())
    })
    .await?;
    let no_content = StoredResponse {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    };
    // Deleting twice leaves the same state, so the idempotency layer stores the answer after
    // the write, as for every PATCH.
    Ok(respond(None, no_content))
}

/// The user operations and the directory-role ones.
pub fn routes() -> Vec<Route> {
    let users = vec![
        Route::get("/v1/customers/{id}/users", "getCustomerUsers", list)
            .summary("A page of the customer's users (App+User): filter on UserState (Inactive: deleted users), DisplayName or UserPrincipalName; seek paging.")
            .answers(200, Some(Body::CustomerUserPage))
            .query(&["size", "filter", "seekOperation", "sortField", "sortDirection"])
            .headers(&["MS-ContinuationToken"]),
        Route::post("/v1/customers/{id}/users", "createCustomerUser", create)
            .summary("Creates a user in one of the customer's domains with a password as Entra requires (App+User).")
            .takes(Body::CustomerUser)
            .answers(200, Some(Body::CustomerUser))
            .headers(&["MS-RequestId"]),
        Route::get("/v1/customers/{id}/users/{userId}", "getCustomerUser", get)
            .summary("One active user of the customer (App+User).")
            .answers(200, Some(Body::CustomerUser)),
        Route::patch("/v1/customers/{id}/users/{userId}", "updateCustomerUser", update)
            .summary("Updates a user, resets its password (passwordProfile), or restores a deleted one (state: active) within 30 days (App+User).")
            .takes(Body::CustomerUser)
            .answers(200, Some(Body::CustomerUser))
            .headers(&["MS-RequestId"]),
        Route::delete("/v1/customers/{id}/users/{userId}", "deleteCustomerUser", delete)
            .summary("Deletes a user: inactive, restorable for 30 days (App+User).")
            .answers(204, None)
            .headers(&["MS-RequestId"]),
    ];
    users.into_iter().chain(roles::routes()).collect()
}
