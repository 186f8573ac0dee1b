//! The control plane under `/_partnerd/`: health, readiness, metrics, the request journal,
//! fault rules, address-validation fixtures, invitations, partner reset, and a customer's
//! lifecycle ([`lifecycle`]). Everything but health and readiness needs the admin token
//! (`Authorization: Bearer <token>`).

pub mod incidents;
pub mod keys;
pub mod lifecycle;
pub mod partners;
pub mod ui;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use partnerd_store::{CustomerId, CustomerRole, TenantId};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::http::body::WireBody;
use crate::http::caller::bearer_token;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::Segment;
use crate::ops::faults::FaultRule;
use crate::ops::fixtures::AddressFixture;
use crate::ops::invitations::Invitation;
use crate::ops::journal::{JournalEntry, JournalQuery};
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// Proof that the request carries the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let given = bearer_token(&parts.headers).unwrap_or_default();
        let expected = state.ops.admin_token.as_bytes();
        if !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected)) {
            Ok(Admin)
        } else {
            Err(ApiError::unauthorized(
                "The control plane needs the admin token: Authorization: Bearer <admin token>.",
            ))
        }
    }
}

/// The body of the health and readiness answers.
#[derive(Serialize)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// `GET /_partnerd/health`: the process answers.
pub async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// `GET /_partnerd/ready`: the store answers too.
pub async fn ready(State(state): State<AppState>) -> ApiResult<Json<Status>> {
    state.store.ping().await?;
    Ok(Json(Status { status: "ready" }))
}

/// `GET /_partnerd/metrics`: the OpenMetrics text Prometheus scrapes.
pub async fn metrics(State(state): State<AppState>, _: Admin) -> Response {
    let mut response = state.ops.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::ops::metrics::CONTENT_TYPE),
    );
    response
}

/// How far back `GET /_partnerd/metrics/recent` reaches.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RecentQuery {
    /// Minutes (default 5, at most the window the node keeps).
    pub minutes: Option<u64>,
}

/// `GET /_partnerd/metrics/recent?minutes=`: this node's requests per second and latency
/// percentiles per route, step by step, for charts.
pub async fn recent_metrics(
    State(state): State<AppState>,
    _: Admin,
    query: Result<Query<RecentQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<crate::ops::recent::RecentTraffic>> {
    let Query(query) =
        query.map_err(|e| ApiError::malformed(format!("Invalid metrics query: {e}.")))?;
    Ok(Json(state.ops.recent.traffic(query.minutes.unwrap_or(5))))
}

/// `GET /_partnerd/requests?correlationId=&requestId=&status=&route=&limit=`: the journal, newest first.
pub async fn requests(
    State(state): State<AppState>,
    _: Admin,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<JournalEntry>>> {
    let Query(query) =
        query.map_err(|e| ApiError::malformed(format!("Invalid journal query: {e}.")))?;
    Ok(Json(state.ops.journal.query(&query)))
}

/// `GET /_partnerd/faults`.
pub async fn list_faults(State(state): State<AppState>, _: Admin) -> Json<Vec<FaultRule>> {
    Json(state.ops.faults.list())
}

/// `POST /_partnerd/faults`: adds a rule (its `id` is assigned).
pub async fn add_fault(
    State(state): State<AppState>,
    _: Admin,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed(format!("The fault rule is not JSON: {e}.")))?;
    if let Some(map) = value.as_object_mut() {
        map.entry("id")
            .or_insert_with(|| serde_json::Value::String(String::new()));
    }
    let rule: FaultRule = serde_json::from_value(value)
        .map_err(|e| ApiError::malformed(format!("The fault rule is invalid: {e}.")))?;
    let rule = state
        .ops
        .faults
        .add(rule)
        .map_err(|e| ApiError::malformed(format!("The fault rule is invalid: {e}.")))?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

/// `DELETE /_partnerd/faults/{id}`.
pub async fn remove_fault(
    State(state): State<AppState>,
    _: Admin,
    Segment(id): Segment,
) -> ApiResult<StatusCode> {
    if state.ops.faults.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::fault_rule_not_found(&id))
    }
}

/// `DELETE /_partnerd/faults`: removes every rule.
pub async fn clear_faults(State(state): State<AppState>, _: Admin) -> StatusCode {
    state.ops.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reset {
    tenant_id: String,
    deleted_customers: u64,
}

/// `POST /_partnerd/partners/{tenant}/reset`: the partner's customers go, its credentials stay.
///
/// `{tenant}` is a tenant id or the partner's domain, as in the token service's URLs, so a
/// script that knows only the domain can start over too.
pub async fn reset_partner(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
) -> ApiResult<Response> {
    let partner = lifecycle::find_partner(&state, &tenant).await?;
    // Requests queued for the history before the reset belong to the old state: written
    // first, they are cleared with it rather than landing after it.
    state.history.flush().await;
    let deleted = state.store.reset_partner(&partner.tenant_id).await?;
    Ok(Json(Reset {
        tenant_id: partner.tenant_id.into_string(),
        deleted_customers: deleted,
    })
    .into_response())
}

/// `GET /_partnerd/address-fixtures`: every arranged address-validation answer.
pub async fn list_address_fixtures(
    State(state): State<AppState>,
    _: Admin,
) -> Json<Vec<AddressFixture>> {
    Json(state.ops.address_fixtures.list())
}

/// `POST /_partnerd/address-fixtures`: arranges the answer for one address.
pub async fn add_address_fixture(
    State(state): State<AppState>,
    _: Admin,
    WireBody(fixture): WireBody<AddressFixture>,
) -> ApiResult<Response> {
    if state.ops.address_fixtures.put(fixture.clone()) {
        Ok((StatusCode::CREATED, Json(fixture)).into_response())
    } else {
        Err(ApiError::malformed(
            "There are too many address fixtures; remove them first.",
        ))
    }
}

/// `DELETE /_partnerd/address-fixtures`: removes every arranged answer.
pub async fn clear_address_fixtures(State(state): State<AppState>, _: Admin) -> StatusCode {
    state.ops.address_fixtures.clear();
    StatusCode::NO_CONTENT
}

/// `GET /_partnerd/invitations`: every relationship request link asked for, oldest first.
pub async fn list_invitations(State(state): State<AppState>, _: Admin) -> Json<Vec<Invitation>> {
    Json(state.ops.invitations.list())
}

/// What accepting an invitation names: the customer tenant that accepts.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Acceptance {
    /// The accepting customer's tenant id.
    pub tenant_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Accepted {
    invitation_id: String,
    partner_id: String,
    customer_id: String,
    new_relationship: bool,
}

/// `POST /_partnerd/invitations/{id}/accept {"tenantId": …}`: the customer's admin accepts
/// the invitation, as in the admin portal. The existing customer becomes the inviting
/// partner's customer (a reseller relationship with delegated admin access), and, for an
/// invitation naming an indirect reseller, that reseller's too.
pub async fn accept_invitation(
    State(state): State<AppState>,
    _: Admin,
    Segment(id): Segment,
    WireBody(acceptance): WireBody<Acceptance>,
) -> ApiResult<Response> {
    let invitation = state
        .ops
        .invitations
        .find(&id)
        .ok_or_else(|| ApiError::invitation_not_found(&id))?;
    let customer = CustomerId::parse(&acceptance.tenant_id).map_err(|_| ApiError::not_a_guid())?;
    let partner = TenantId::from_stored(invitation.partner_id.clone());
    let new_relationship = state
        .store
        .relate_customer(&partner, &customer, CustomerRole::Reseller)
        .await
        .map_err(|e| match e {
            partnerd_store::StoreError::CustomerNotFound => ApiError::customer_not_found(&customer),
            other => other.into(),
        })?;
    if let Some(reseller) = &invitation.indirect_reseller_id {
        let reseller = TenantId::from_stored(reseller.clone());
        if state.store.partner(&reseller).await?.is_some() {
            state
                .store
                .relate_customer(&reseller, &customer, CustomerRole::IndirectReseller)
                .await?;
        }
    }
    Ok(Json(Accepted {
        invitation_id: invitation.id,
        partner_id: invitation.partner_id,
        customer_id: customer.into_string(),
        new_relationship,
    })
    .into_response())
}

/// The control plane's operations.
pub fn routes() -> Vec<Route> {
    use Access::{Admin, Open};
    vec![
        Route::get("/_partnerd/health", "health", health)
            .summary("The process answers.")
            .access(Open)
            .answers(200, Some(Body::Status)),
        Route::get("/_partnerd/ready", "ready", ready)
            .summary("The store answers too.")
            .access(Open)
            .answers(200, Some(Body::Status)),
        Route::get("/_partnerd/metrics", "metrics", metrics)
            .summary("Prometheus metrics.")
            .access(Admin)
            .answers(200, Some(Body::Metrics)),
        Route::get("/_partnerd/metrics/recent", "recentMetrics", recent_metrics)
            .summary("This node's requests per second and latency percentiles per route over the last minutes (control-plane requests left out).")
            .access(Admin)
            .answers(200, Some(Body::RecentTraffic))
            .query(&["minutes"]),
        Route::get("/_partnerd/requests", "requests", requests)
            .summary("The request journal, newest first.")
            .access(Admin)
            .answers(200, Some(Body::Journal))
            .query(&["correlationId", "requestId", "status", "route", "limit"]),
        Route::get("/_partnerd/faults", "listFaults", list_faults)
            .summary("The fault-injection rules.")
            .access(Admin)
            .answers(200, Some(Body::FaultRules)),
        Route::post("/_partnerd/faults", "addFault", add_fault)
            .summary("Adds a fault-injection rule.")
            .access(Admin)
            .takes(Body::FaultRule)
            .answers(201, Some(Body::FaultRule)),
        Route::delete("/_partnerd/faults", "clearFaults", clear_faults)
            .summary("Removes every fault-injection rule.")
            .access(Admin)
            .answers(204, None),
        Route::delete("/_partnerd/faults/{id}", "removeFault", remove_fault)
            .summary("Removes one fault-injection rule.")
            .access(Admin)
            .answers(204, None),
        Route::get(
            "/_partnerd/address-fixtures",
            "listAddressFixtures",
            list_address_fixtures,
        )
        .summary("The arranged address-validation answers.")
        .access(Admin)
        .answers(200, Some(Body::AddressFixtures)),
        Route::post(
            "/_partnerd/address-fixtures",
            "addAddressFixture",
            add_address_fixture,
        )
        .summary("Arranges the answer of address validation for one address (matched on line 1, city, state, postal code and country, ignoring case).")
        .access(Admin)
        .takes(Body::AddressFixture)
        .answers(201, Some(Body::AddressFixture)),
        Route::delete(
            "/_partnerd/address-fixtures",
            "clearAddressFixtures",
            clear_address_fixtures,
        )
        .summary("Removes every arranged address-validation answer.")
        .access(Admin)
        .answers(204, None),
        Route::get("/_partnerd/invitations", "listInvitations", list_invitations)
            .summary("Every relationship request link partners asked for, oldest first.")
            .access(Admin)
            .answers(200, Some(Body::Invitations)),
        Route::post(
            "/_partnerd/invitations/{id}/accept",
            "acceptInvitation",
            accept_invitation,
        )
        .summary("The customer's admin accepts an invitation: the existing customer becomes the inviting partner's customer.")
        .access(Admin)
        .answers(200, Some(Body::Accepted)),
        Route::post(
            "/_partnerd/partners/{tenant}/reset",
            "resetPartner",
            reset_partner,
        )
        .summary("Deletes the partner's customers (with everything they gathered) and refills its GCC validation codes; its credentials stay.")
        .access(Admin)
        .answers(200, Some(Body::Reset)),
    ]
    .into_iter()
    .chain(lifecycle::routes())
    .chain(incidents::routes())
    .chain(partners::routes())
    .chain(keys::routes())
    .collect()
}
