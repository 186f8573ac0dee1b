//! Billing profile (GET, and PUT with ETag compare-and-swap) and company profile (GET).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use partnerd_store::{CustomerId, CustomerView, EtagCondition, StoreError};
use partnerd_wire::{CustomerBillingProfile, CustomerCompanyProfile};

use crate::api::customers::{customer_error, related, validate, view};
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::idempotency::{completion_for, from_view, respond, IdempotencyLease};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// `GET /v1/customers/{id}/profiles/billing`.
pub async fn get_billing(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<CustomerBillingProfile>> {
    let (billing, etag) = state
        .store
        .billing_profile(&caller.partner.tenant_id, &id)
        .await
        .map_err(customer_error(&id))?;
    Ok(Reply::ok(format, view::billing_resource(&id, billing, etag)).etag(etag))
}

/// The precondition of a PUT: `If-Match` wins over the body's `attributes.etag`.
fn precondition(
    headers: &HeaderMap,
    body: &CustomerBillingProfile,
) -> ApiResult<Option<EtagCondition>> {
    let header = headers
        .get(axum::http::header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or_default().trim().to_owned());
    let given = header.or_else(|| {
        body.attributes
            .as_ref()
            .and_then(|a| a.etag.as_deref())
            .map(|e| e.trim().to_owned())
    });
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Err(ApiError::etag_required());
    };
    if given == "*" {
        return Ok(Some(EtagCondition::Any));
    }
    let bare = given.trim_start_matches("W/").trim_matches('"');
    // A value that is not an ETag partnerd could have issued can never match.
    Ok(bare.parse::<i64>().ok().map(EtagCondition::Exactly))
}

/// `PUT /v1/customers/{id}/profiles/billing`.
pub async fn put_billing(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    headers: HeaderMap,
    lease: Option<Extension<IdempotencyLease>>,
    WireBody(body): WireBody<CustomerBillingProfile>,
) -> ApiResult<Response> {
    let lease = lease.map(|Extension(l)| l);
    let condition = precondition(&headers, &body)?;
    let profile = validate::billing_update(&body)?;
    let Some(condition) = condition else {
        related(&state, &caller, &id).await?;
        return Err(ApiError::etag_mismatch());
    };
    let render = move |view: &CustomerView| {
        Reply::ok(format, view::billing_profile(view))
            .etag(view.etag)
            .into_stored()
    };
    let completion = completion_for(lease.as_ref(), from_view(render));
    let view = state
        .store
        .update_billing_profile(
            &caller.partner.tenant_id,
            &id,
            condition,
            profile,
            rand::random(),
            completion,
        )
        .await
        .map_err(|e| match e {
            StoreError::EtagMismatch => ApiError::etag_mismatch(),
            other => customer_error(&id)(other),
        })?;
    Ok(respond(lease.as_ref(), render(&view)))
}

/// `GET /v1/customers/{id}/profiles/company` (app+user only).
pub async fn get_company(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<CustomerCompanyProfile>> {
    caller.require_user()?;
    let view = related(&state, &caller, &id).await?;
    Ok(Reply::ok(format, view::company_profile(&view, true)))
}

/// The profile operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/v1/customers/{id}/profiles/billing",
            "getBillingProfile",
            get_billing,
        )
        .summary("The customer's billing profile and its ETag.")
        .answers(200, Some(Body::BillingProfile)),
        Route::put(
            "/v1/customers/{id}/profiles/billing",
            "updateBillingProfile",
            put_billing,
        )
        .summary(
            "Replaces the billing profile if the ETag (If-Match, else attributes.etag) matches.",
        )
        .takes(Body::BillingProfile)
        .answers(200, Some(Body::BillingProfile))
        .headers(&["If-Match", "MS-RequestId"]),
        Route::get(
            "/v1/customers/{id}/profiles/company",
            "getCompanyProfile",
            get_company,
        )
        .summary("The customer's company profile.")
        .answers(200, Some(Body::CompanyProfile)),
    ]
}
