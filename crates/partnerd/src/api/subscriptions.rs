//! `GET /v1/customers/{id}/subscriptions` and `GET /v1/customers/{id}/entitlements`: what the
//! customer bought. partnerd sells nothing, so both are empty collections for a related
//! partner; they exist because real clients read them before removing a reseller
//! relationship (PowerShell's `Remove-PartnerResellerRelationship`, Microsoft's documented C#
//! flow), and a 404 there stops those clients before their PATCH.

use axum::extract::State;
use partnerd_store::CustomerId;
use partnerd_wire::{Entitlement, ResourceCollection, ResourceLinks, Subscription};

use crate::api::customers::related;
use crate::http::error::ApiResult;
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// `GET /v1/customers/{id}/subscriptions`.
pub async fn subscriptions(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<ResourceCollection<Subscription>>> {
    related(&state, &caller, &id).await?;
    let links = ResourceLinks::to_self(format!("/customers/{id}/subscriptions"));
    Ok(Reply::ok(
        format,
        ResourceCollection::new(Vec::new(), links),
    ))
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
        .summary("The customer's subscriptions: none, as partnerd sells nothing.")
        .answers(200, Some(Body::SubscriptionPage)),
        Route::get(
            "/v1/customers/{id}/entitlements",
            "getEntitlements",
            entitlements,
        )
        .summary("The customer's entitlements: none, as partnerd sells nothing.")
        .answers(200, Some(Body::EntitlementPage)),
    ]
}
