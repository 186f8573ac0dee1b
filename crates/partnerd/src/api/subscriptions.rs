//! A customer's subscriptions and entitlements. partnerd sells nothing: the lists are empty
//! unless a test put subscriptions there through the control plane
//! (`/_partnerd/customers/{id}/subscriptions`). They exist because real clients read them
//! before removing a reseller relationship: PowerShell's `Remove-PartnerResellerRelationship`
//! suspends every active subscription (`PATCH …/subscriptions/{sub}`) and then removes the
//! relationship, which partnerd, like Microsoft, refuses while one is still active
//! (400/990011). Entitlements stay empty.

use axum::extract::State;
use axum::http::HeaderMap;
use partnerd_store::{CustomerId, CustomerRecord, RecordKind, TenantId};
use partnerd_wire::{
    Entitlement, ResourceAttributes, ResourceCollection, ResourceLinks, Subscription,
};

use crate::api::customers::related;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::{check_optional_etag, CustomerChild, PathId};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The statuses a partner may give a subscription with a PATCH.
const SETTABLE: [&str; 2] = ["active", "suspended"];

/// A subscription as answered: links to itself, its ETag in `attributes`.
pub fn view(customer: &CustomerId, mut subscription: Subscription) -> Subscription {
    subscription.links = Some(ResourceLinks::to_self(format!(
        "/customers/{customer}/subscriptions/{}",
        subscription.id
    )));
    subscription
}

/// A fresh ETag for a changed subscription.
pub fn new_etag() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The record that stores a partner's subscription, with its ETag set.
pub fn record(partner: TenantId, mut subscription: Subscription) -> ApiResult<CustomerRecord> {
    subscription.links = None;
    subscription.attributes = Some(ResourceAttributes::with_etag("Subscription", new_etag()));
    // Keyed lower case: paths reach the router lower-cased.
    Ok(CustomerRecord::of(
        RecordKind::Subscription,
        subscription.id.to_ascii_lowercase(),
        partner,
        &subscription,
    )?)
}

/// The caller's subscription records on the customer, in id order.
async fn owned(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
) -> ApiResult<Vec<CustomerRecord>> {
    Ok(state
        .store
        .customer_records(id, RecordKind::Subscription)
        .await?
        .into_iter()
        .filter(|r| r.partner_id == caller.partner.tenant_id)
        .collect())
}

/// `GET /v1/customers/{id}/subscriptions`.
pub async fn subscriptions(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<Subscription>>> {
    related(&state, &caller, &id).await?;
    let items = owned(&state, &caller, &id)
        .await?
        .iter()
        .map(|r| r.read().map(|s| view(&id, s)))
        .collect::<Result<Vec<_>, _>>()?;
    let links = ResourceLinks::to_self(format!("/customers/{id}/subscriptions"));
    Ok(Reply::ok(format, ResourceCollection::new(items, links)))
}

/// One of the caller's subscriptions and its record, or 404/1000.
async fn find(
    state: &AppState,
    caller: &Caller,
    id: &CustomerId,
    sub: &str,
) -> ApiResult<(CustomerRecord, Subscription)> {
    related(state, caller, id).await?;
    let found = owned(state, caller, id)
        .await?
        .into_iter()
        .find(|r| r.key.eq_ignore_ascii_case(sub));
    let Some(record) = found else {
        return Err(ApiError::not_found(format!(
            "Subscription {sub} of customer {id} not found."
        )));
    };
    let subscription = record.read()?;
    Ok((record, subscription))
}

/// `GET /v1/customers/{id}/subscriptions/{sub}`.
pub async fn subscription(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    CustomerChild(id, sub): CustomerChild,
) -> ApiResult<Reply<Subscription>> {
    let (_, subscription) = find(&state, &caller, &id, &sub).await?;
    Ok(Reply::ok(format, view(&id, subscription)))
}

/// What a PATCH changes, checked against the stored subscription.
fn patched(stored: &Subscription, body: &Subscription) -> ApiResult<Subscription> {
    let invalid = |path: &str, reason: &str| {
        ApiError::invalid_properties(vec![(path.to_owned(), reason.to_owned())])
    };
    let current = stored
        .status
        .clone()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let wanted = body
        .status
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| current.clone());
    if !SETTABLE.contains(&wanted.as_str()) {
        return Err(invalid("status", "a partner may set active or suspended"));
    }
    if !SETTABLE.contains(&current.as_str()) {
        return Err(invalid(
            "status",
            &format!("a {current} subscription cannot be changed"),
        ));
    }
    if body.quantity.is_some_and(|q| q < 1) {
        return Err(invalid("quantity", "must be at least 1"));
    }
    let mut next = stored.clone();
    let mut changed_other = false;
    if let Some(q) = body.quantity.filter(|q| Some(*q) != stored.quantity) {
        next.quantity = Some(q);
        changed_other = true;
    }
    if let Some(name) = body
        .friendly_name
        .clone()
        .filter(|n| Some(n) != stored.friendly_name.as_ref())
    {
        next.friendly_name = Some(name);
        changed_other = true;
    }
    if let Some(renew) = body
        .auto_renew_enabled
        .filter(|r| Some(*r) != stored.auto_renew_enabled)
    {
        next.auto_renew_enabled = Some(renew);
        changed_other = true;
    }
    // A suspended subscription can be reactivated, and nothing else.
    if current == "suspended" && changed_other {
        return Err(ApiError::subscription_suspended());
    }
    next.status = Some(wanted);
    Ok(next)
}

/// `PATCH /v1/customers/{id}/subscriptions/{sub}`: the full subscription as read, with its
/// status (`active`, `suspended`), quantity, friendly name or auto-renewal changed. An ETag
/// (If-Match, else `attributes.etag`) is checked when given (400/2055), as clients send none.
/// With `MS-RequestId`, the idempotency layer stores the response after the write: running
/// the same PATCH twice leaves the same state, so a crash between the two costs nothing.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    headers: HeaderMap,
    CustomerChild(id, sub): CustomerChild,
    WireBody(body): WireBody<Subscription>,
) -> ApiResult<Reply<Subscription>> {
    let (stored_record, stored) = find(&state, &caller, &id, &sub).await?;
    check_optional_etag(
        &headers,
        body.attributes.as_ref().and_then(|a| a.etag.as_deref()),
        stored.attributes.as_ref().and_then(|a| a.etag.as_deref()),
    )?;
    let next = patched(&stored, &body)?;
    let record = record(caller.partner.tenant_id.clone(), next)?;
    let written: Subscription = record.read()?;
    let swapped = state
        .store
        .put_customer_record(&id, record, Some(stored_record.body))
        .await?;
    if !swapped {
        return Err(ApiError::etag_mismatch());
    }
    Ok(Reply::ok(format, view(&id, written)))
}

/// `GET /v1/customers/{id}/entitlements`.
pub async fn entitlements(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<Entitlement>>> {
    related(&state, &caller, &id).await?;
    let links = ResourceLinks::to_self(format!("/customers/{id}/entitlements"));
    Ok(Reply::ok(
        format,
        ResourceCollection::new(Vec::new(), links),
    ))
}

/// The subscription and entitlement operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/v1/customers/{id}/subscriptions",
            "getSubscriptions",
            subscriptions,
        )
        .summary("The caller's subscriptions on the customer (none unless the control plane put some there).")
        .answers(200, Some(Body::SubscriptionPage)),
        Route::get(
            "/v1/customers/{id}/subscriptions/{subscriptionId}",
            "getSubscription",
            subscription,
        )
        .summary("One of the caller's subscriptions.")
        .answers(200, Some(Body::Subscription)),
        Route::patch(
            "/v1/customers/{id}/subscriptions/{subscriptionId}",
            "updateSubscription",
            update,
        )
        .summary("Suspends or reactivates a subscription, or changes its quantity, name or auto-renewal.")
        .takes(Body::Subscription)
        .answers(200, Some(Body::Subscription))
        .headers(&["If-Match", "MS-RequestId"]),
        Route::get(
            "/v1/customers/{id}/entitlements",
            "getEntitlements",
            entitlements,
        )
        .summary("The customer's entitlements: none, as partnerd sells nothing.")
        .answers(200, Some(Body::EntitlementPage)),
    ]
}
