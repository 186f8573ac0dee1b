//! Directory roles of a customer's tenant: Entra's built-in role templates, with their real
//! template ids, and the users holding each. A user's roles are kept in its own record, so
//! adding or removing a member is one compare-and-swap of that user.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use partnerd_store::CustomerId;
use partnerd_wire::{
    DirectoryRole, ResourceAttributes, ResourceCollection, ResourceLinks, UserMember, UserState,
};

use super::directory::{self, StoredUser};
use super::{customer, paging};
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::{CustomerChild, Segments};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// Entra's built-in roles a partner assigns most, by template id (Microsoft Entra built-in
/// roles reference).
pub const TEMPLATES: [(&str, &str); 22] = [
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
    ),
    (
        "75941009-915a-4869-abe7-691bff18279e",
        "Skype for Business Administrator",
    ),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "4ba39ca4-527c-499a-b93d-d9b492c50246",
        "Partner Tier1 Support",
    ),
    (
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
        "Partner Tier2 Support",
    ),
];

/// The role with this template id (any casing), or 404/1000.
fn template(id: &str) -> ApiResult<(&'static str, &'static str)> {
    TEMPLATES
        .iter()
        .copied()
        .find(|(t, _)| t.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| ApiError::role_not_found(id))
}

fn role(id: &str, name: &str) -> DirectoryRole {
    DirectoryRole {
        name: Some(name.to_owned()),
        id: Some(id.to_owned()),
        attributes: Some(ResourceAttributes::of("DirectoryRole")),
    }
}

fn member(user: &StoredUser, role_id: &str) -> UserMember {
    UserMember {
        id: Some(user.id.clone()),
        display_name: Some(user.display_name.clone()),
        user_principal_name: Some(user.user_principal_name.clone()),
        role_id: Some(role_id.to_owned()),
        attributes: Some(ResourceAttributes::of("UserMember")),
    }
}

/// `GET /v1/customers/{id}/directoryroles`: the roles a customer's users can hold.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    crate::http::params::PathId(id): crate::http::params::PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<DirectoryRole>>> {
    customer(&state, &caller, &id).await?;
    let items = TEMPLATES.iter().map(|(t, n)| role(t, n)).collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(
            items,
            ResourceLinks::to_self(format!("/customers/{id}/directoryroles")),
        ),
    ))
}

/// `GET /v1/customers/{id}/users/{userId}/directoryroles`: the roles an active user holds.
pub async fn of_user(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    CustomerChild(id, user): CustomerChild,
) -> ApiResult<Reply<ResourceCollection<DirectoryRole>>> {
    let view = customer(&state, &caller, &id).await?;
    let held = directory::find_active(&state, &view, &user).await?;
    let items = TEMPLATES
        .iter()
        .filter(|(t, _)| held.roles.iter().any(|r| r.eq_ignore_ascii_case(t)))
        .map(|(t, n)| role(t, n))
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(
            items,
            ResourceLinks::to_self(format!("/customers/{id}/users/{}/directoryroles", held.id)),
        ),
    ))
}

/// The active user with this id among `users`; 404/3000 when none.
fn active<'a>(users: &'a mut [StoredUser], user_id: &str) -> ApiResult<&'a mut StoredUser> {
    let at = directory::position(users, user_id)?;
    let user = &mut users[at];
    if user.state == UserState::Active {
        Ok(user)
    } else {
        Err(ApiError::user_not_found(user_id))
    }
}

/// The customer id, role id and (for one member) user id of a members path, checked.
fn role_path(segments: &[String]) -> ApiResult<(CustomerId, &'static str, String)> {
    let customer = segments
        .first()
        .and_then(|c| c.parse().ok())
        .ok_or_else(ApiError::not_a_guid)?;
    let (role_id, _) = template(segments.get(1).map_or("", String::as_str))?;
    Ok((
        customer,
        role_id,
        segments.get(2).cloned().unwrap_or_default(),
    ))
}

/// `GET /v1/customers/{id}/directoryroles/{roleId}/usermembers`: a page of the role's
/// members, seek paging as for users.
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    Segments(path): Segments,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<UserMember>>> {
    let (id, role_id, _) = role_path(&path)?;
    let view = customer(&state, &caller, &id).await?;
    let params = paging::ListParams::read(query.as_deref());
    let scan = paging::scan(
        &state,
        &headers,
        &params,
        &caller.partner.tenant_id,
        &id,
        &format!("members {role_id}"),
        false,
    )?;
    let holders: Vec<StoredUser> = directory::users(&state, &view)
        .await?
        .into_iter()
        .filter(|u| u.state == UserState::Active && u.roles.iter().any(|r| r == role_id))
        .collect();
    let page = paging::page(
        &state,
        &scan,
        holders,
        |u| (super::sort_key(scan.order, u), u.id.clone()),
        |u| member(u, role_id),
        &format!("/customers/{id}/directoryroles/{role_id}/usermembers"),
    );
    Ok(Reply::ok(format, page))
}

/// `POST /v1/customers/{id}/directoryroles/{roleId}/usermembers` with the user's `id` (and,
/// as clients send them, its display and sign-in names, which are not checked): 201 with the
/// member; 409/990001 if it holds the role already.
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    Segments(path): Segments,
    WireBody(body): WireBody<UserMember>,
) -> ApiResult<Response> {
    let (id, role_id, _) = role_path(&path)?;
    let view = customer(&state, &caller, &id).await?;
    let Some(user_id) = body.id.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return Err(ApiError::invalid_properties(vec![(
            "id".to_owned(),
            "is required: the user's object id".to_owned(),
        )]));
    };
    let next = directory::change(&state, &view, &caller.partner.tenant_id, |users| {
        let u = active(users, user_id)?;
        if u.roles.iter().any(|r| r == role_id) {
            return Err(ApiError::already_member(&u.id, role_id));
        }
        u.roles.push(role_id.to_owned());
        Ok(u.clone())
    })
    .await?;
    Ok(Reply::with_status(StatusCode::CREATED, format, member(&next, role_id)).into_response())
}

/// `DELETE /v1/customers/{id}/directoryroles/{roleId}/usermembers/{userId}`: 204; 404/1000
/// when the user does not hold the role.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Segments(path): Segments,
) -> ApiResult<StatusCode> {
    let (id, role_id, user_id) = role_path(&path)?;
    let view = customer(&state, &caller, &id).await?;
    directory::change(&state, &view, &caller.partner.tenant_id, |users| {
        let u = active(users, &user_id)?;
        if !u.roles.iter().any(|r| r == role_id) {
            return Err(ApiError::not_a_member(&u.id, role_id));
        }
        u.roles.retain(|r| r != role_id);
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The directory-role operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/v1/customers/{id}/directoryroles", "getCustomerDirectoryRoles", list)
            .summary("The directory roles a customer's users can hold: Entra's built-in role templates (App+User).")
            .answers(200, Some(Body::DirectoryRolePage)),
        Route::get(
            "/v1/customers/{id}/users/{userId}/directoryroles",
            "getCustomerUserDirectoryRoles",
            of_user,
        )
        .summary("The directory roles a user holds (App+User).")
        .answers(200, Some(Body::DirectoryRolePage)),
        Route::get(
            "/v1/customers/{id}/directoryroles/{roleId}/usermembers",
            "getDirectoryRoleUserMembers",
            members,
        )
        .summary("A page of the users holding a directory role (App+User).")
        .answers(200, Some(Body::UserMemberPage))
        .query(&["size", "seekOperation"])
        .headers(&["MS-ContinuationToken"]),
        Route::post(
            "/v1/customers/{id}/directoryroles/{roleId}/usermembers",
            "addDirectoryRoleUserMember",
            add,
        )
        .summary("Gives a user a directory role (App+User).")
        .takes(Body::UserMember)
        .answers(201, Some(Body::UserMember))
        .headers(&["MS-RequestId"]),
        Route::delete(
            "/v1/customers/{id}/directoryroles/{roleId}/usermembers/{userId}",
            "removeDirectoryRoleUserMember",
            remove,
        )
        .summary("Takes a directory role from a user (App+User).")
        .answers(204, None)
        .headers(&["MS-RequestId"]),
    ]
}
