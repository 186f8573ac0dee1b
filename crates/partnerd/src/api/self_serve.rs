//! Self-serve policies: a partner lets a customer buy Azure Reserved Instances itself.
//! `GET /v1/SelfServePolicy?entity_id=`, `POST /v1/SelfServePolicy`,
//! `GET`/`PUT`/`DELETE /v1/SelfServePolicy/{id}`, app+user only. A policy's id is
//! `<grantor tenant>_<customer tenant>`; it is kept with the customer (deleting the customer
//! deletes it) and carries an ETag that changes on every PUT.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use partnerd_store::{CustomerId, CustomerRecord, RecordKind, TenantId};
use partnerd_wire::{
    Grantor, Permission, ResourceAttributes, ResourceCollection, ResourceLinks, SelfServeEntity,
    SelfServePolicy,
};

use crate::api::customers::related;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult, Violation};
use crate::http::idempotency::{completion_for, respond, IdempotencyLease};
use crate::http::params::{check_optional_etag, query_param, Segment};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The grantor and customer a policy id names, if it is well formed.
fn parse_id(id: &str) -> Option<(TenantId, CustomerId)> {
    let (grantor, customer) = id.split_once('_')?;
    Some((
        TenantId::parse(grantor).ok()?,
        CustomerId::parse(customer).ok()?,
    ))
}

/// A new quoted ETag.
fn new_etag() -> String {
    format!("\"{}\"", uuid::Uuid::new_v4())
}

/// The policy a body describes, checked: a customer entity, the caller as `billToPartner`
/// grantor, and only `AzureReservedInstances`/`Purchase` permissions.
fn checked(body: &SelfServePolicy, caller: &Caller) -> ApiResult<(CustomerId, Vec<Permission>)> {
    let mut violations: Vec<Violation> = Vec::new();
    let mut fail = |path: &str, reason: &str| violations.push((path.to_owned(), reason.to_owned()));
    let entity = body.self_serve_entity.clone().unwrap_or_default();
    if !entity
        .self_serve_entity_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("customer"))
    {
        fail("selfServeEntity.selfServeEntityType", "must be customer");
    }
    let customer = entity
        .tenant_id
        .as_deref()
        .and_then(|t| CustomerId::parse(t).ok());
    if customer.is_none() {
        fail(
            "selfServeEntity.tenantID",
            "must be the customer's tenant id",
        );
    }
    let grantor = body.grantor.clone().unwrap_or_default();
    if !grantor
        .grantor_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("billToPartner"))
    {
        fail("grantor.grantorType", "must be billToPartner");
    }
    let grantor_ok = grantor
        .tenant_id
        .as_deref()
        .and_then(|t| TenantId::parse(t).ok())
        .is_some_and(|t| t == caller.partner.tenant_id);
    if !grantor_ok {
        fail("grantor.tenantID", "must be the caller's tenant id");
    }
    let permissions = body.permissions.clone().unwrap_or_default();
    if permissions.is_empty() {
        fail("permissions", "at least one is required");
    }
    for (i, p) in permissions.iter().enumerate() {
        let resource_ok = p
            .resource
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("AzureReservedInstances"));
        let action_ok = p
            .action
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("Purchase"));
        if !resource_ok {
            fail(
                &format!("permissions[{i}].resource"),
                "must be AzureReservedInstances",
            );
        }
        if !action_ok {
            fail(&format!("permissions[{i}].action"), "must be Purchase");
        }
    }
    match (violations.is_empty(), customer) {
        (true, Some(c)) => Ok((
            c,
            permissions
                .iter()
                .map(|_| Permission {
                    resource: Some("AzureReservedInstances".to_owned()),
                    action: Some("Purchase".to_owned()),
                })
                .collect(),
        )),
        _ => Err(ApiError::invalid_properties(violations)),
    }
}

/// The policy as answered.
fn policy(
    partner: &TenantId,
    customer: &CustomerId,
    permissions: Vec<Permission>,
) -> SelfServePolicy {
    SelfServePolicy {
        id: Some(format!("{partner}_{customer}")),
        self_serve_entity: Some(SelfServeEntity {
            self_serve_entity_type: Some("customer".to_owned()),
            tenant_id: Some(customer.to_string()),
        }),
        grantor: Some(Grantor {
            grantor_type: Some("billToPartner".to_owned()),
            tenant_id: Some(partner.to_string()),
        }),
        permissions: Some(permissions),
        attributes: Some(ResourceAttributes::with_etag("SelfServePolicy", new_etag())),
    }
}

/// `POST /v1/SelfServePolicy`: 201 with the policy; 409/600041 when the grantor already has
/// one for the customer.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    lease: Option<Extension<IdempotencyLease>>,
    WireBody(body): WireBody<SelfServePolicy>,
) -> ApiResult<Response> {
    caller.require_user()?;
    let (customer, permissions) = checked(&body, &caller)?;
    related(&state, &caller, &customer).await?;
    let created = policy(&caller.partner.tenant_id, &customer, permissions);
    let id = created.id.clone().unwrap_or_default();
    let record = CustomerRecord::of(
        RecordKind::SelfServePolicy,
        id.to_ascii_lowercase(),
        caller.partner.tenant_id.clone(),
        &created,
    )?;
    let lease = lease.map(|Extension(l)| l);
    let response = Reply::with_status(StatusCode::CREATED, format, created).into_stored();
    let stored = response.clone();
    let completion = completion_for(lease.as_ref(), move |_| stored);
    if !state
        .store
        .insert_customer_record(&customer, record, completion)
        .await?
    {
        return Err(ApiError::policy_exists());
    }
    Ok(respond(lease.as_ref(), response))
}

/// The caller's stored policy under `id`, with its record; 404/600040 for an id that is not
/// `<grantor>_<customer>`, 404/600039 when there is none (or it is another grantor's).
async fn find(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(CustomerId, CustomerRecord, SelfServePolicy)> {
    let Some((grantor, customer)) = parse_id(id) else {
        return Err(ApiError::policy_id_invalid(id));
    };
    if grantor != caller.partner.tenant_id {
        return Err(ApiError::policy_not_found(id));
    }
    let records = match state
        .store
        .customer_records(&customer, RecordKind::SelfServePolicy)
        .await
    {
        Ok(r) => r,
        Err(partnerd_store::StoreError::CustomerNotFound) => {
            return Err(ApiError::policy_not_found(id))
        }
        Err(e) => return Err(e.into()),
    };
    let key = format!("{grantor}_{customer}");
    let Some(record) = records.into_iter().find(|r| r.key == key) else {
        return Err(ApiError::policy_not_found(id));
    };
    let policy = record.read()?;
    Ok((customer, record, policy))
}

/// `GET /v1/SelfServePolicy/{id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    Segment(id): Segment,
) -> ApiResult<Reply<SelfServePolicy>> {
    caller.require_user()?;
    let (_, _, policy) = find(&state, &caller, &id).await?;
    Ok(Reply::ok(format, policy))
}

/// `PUT /v1/SelfServePolicy/{id}` (and `PUT /v1/SelfServePolicy`, keyed by the body's id, as
/// one documentation page shows it): replaces the permissions; 200 with a new ETag. The
/// body's id must be the policy's (404/600040); its ETag (`If-Match`, else
/// `attributes.etag`) must match when given (400/2055).
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    path: Option<Segment>,
    WireBody(body): WireBody<SelfServePolicy>,
) -> ApiResult<Reply<SelfServePolicy>> {
    caller.require_user()?;
    let body_id = body.id.clone().unwrap_or_default();
    let id = match &path {
        Some(Segment(p)) => p.clone(),
        None => body_id.clone(),
    };
    let (customer, record, stored) = find(&state, &caller, &id).await?;
    if !body_id.eq_ignore_ascii_case(&id) {
        return Err(ApiError::policy_id_invalid(&body_id));
    }
    check_optional_etag(
        &headers,
        body.attributes.as_ref().and_then(|a| a.etag.as_deref()),
        stored.attributes.as_ref().and_then(|a| a.etag.as_deref()),
    )?;
    let (entity, permissions) = checked(&body, &caller)?;
    if entity != customer {
        return Err(ApiError::policy_id_invalid(&body_id));
    }
    let updated = policy(&caller.partner.tenant_id, &customer, permissions);
    let next = CustomerRecord::of(
        RecordKind::SelfServePolicy,
        record.key.clone(),
        caller.partner.tenant_id.clone(),
        &updated,
    )?;
    if !state
        .store
        .put_customer_record(&customer, next, Some(record.body))
        .await?
    {
        return Err(ApiError::etag_mismatch());
    }
    Ok(Reply::ok(format, updated))
}

/// `PUT /v1/SelfServePolicy` (no id in the path).
pub async fn update_by_body(
    state: State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    body: WireBody<SelfServePolicy>,
) -> ApiResult<Reply<SelfServePolicy>> {
    update(state, caller, format, headers, None, body).await
}

/// `PUT /v1/SelfServePolicy/{id}`.
pub async fn update_by_path(
    state: State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    path: Segment,
    body: WireBody<SelfServePolicy>,
) -> ApiResult<Reply<SelfServePolicy>> {
    update(state, caller, format, headers, Some(path), body).await
}

/// `DELETE /v1/SelfServePolicy/{id}`: 204.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
) -> ApiResult<StatusCode> {
    caller.require_user()?;
    let (customer, record, _) = find(&state, &caller, &id).await?;
    state
        .store
        .delete_customer_record(&customer, RecordKind::SelfServePolicy, &record.key)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/SelfServePolicy?entity_id=<customer>` (the key in any casing, as the .NET SDK
/// writes `entity_Id`): the caller's policies for the customer.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<SelfServePolicy>>> {
    caller.require_user()?;
    let Some(entity) = query_param(query.as_deref(), "entity_id") else {
        return Err(ApiError::malformed(
            "The query parameter entity_id (the customer's tenant id) is required.",
        ));
    };
    let customer = CustomerId::parse(&entity).map_err(|_| ApiError::not_a_guid())?;
    related(&state, &caller, &customer).await?;
    let items = state
        .store
        .customer_records(&customer, RecordKind::SelfServePolicy)
        .await?
        .into_iter()
        .filter(|r| r.partner_id == caller.partner.tenant_id)
        .map(|r| r.read())
        .collect::<Result<Vec<SelfServePolicy>, _>>()?;
    Ok(Reply::ok(
        format,
        ResourceCollection::new(items, ResourceLinks::to_self("/SelfServePolicy".to_owned())),
    ))
}

/// The self-serve policy operations.
pub fn routes() -> Vec<Route> {
    // Paths are matched lower-cased (see `http::paths`): `SelfServePolicy` as clients send it.
    vec![
        Route::get("/v1/selfservepolicy", "getSelfServePolicies", list)
            .summary("The caller's self-serve policies for a customer (entity_id). App+user.")
            .answers(200, Some(Body::SelfServePolicyPage))
            .query(&["entity_id"]),
        Route::post("/v1/selfservepolicy", "createSelfServePolicy", create)
            .summary("Lets a customer buy Azure Reserved Instances itself. App+user.")
            .takes(Body::SelfServePolicy)
            .answers(201, Some(Body::SelfServePolicy)),
        Route::put("/v1/selfservepolicy", "updateSelfServePolicyByBody", update_by_body)
            .summary("Replaces the policy the body's id names. App+user.")
            .takes(Body::SelfServePolicy)
            .answers(200, Some(Body::SelfServePolicy))
            .headers(&["If-Match", "MS-RequestId"]),
        Route::get("/v1/selfservepolicy/{id}", "getSelfServePolicy", get)
            .summary("One self-serve policy. App+user.")
            .answers(200, Some(Body::SelfServePolicy)),
        Route::put("/v1/selfservepolicy/{id}", "updateSelfServePolicy", update_by_path)
            .summary("Replaces a self-serve policy's permissions (its ETag must match when given). App+user.")
            .takes(Body::SelfServePolicy)
            .answers(200, Some(Body::SelfServePolicy))
            .headers(&["If-Match", "MS-RequestId"]),
        Route::delete("/v1/selfservepolicy/{id}", "deleteSelfServePolicy", delete)
            .summary("Deletes a self-serve policy. App+user.")
            .answers(204, None),
    ]
}
