//! The partner security reports, computed exactly from the request history (which partnerd,
//! unlike a sandbox, has in full): `GET /v1/partnerRequests`,
//! `GET /v1/nonMfaCompliantPartnerPrincipals` and
//! `GET /v1/applicationmfaadoptionstatus?startDate=&endDate=`. App+user only. Requests
//! refused with 401/900421 (no MFA) count as requests without MFA.

use std::collections::{HashMap, HashSet};

use axum::extract::{RawQuery, State};
use partnerd_store::RequestKind;
use partnerd_wire::{
    ApplicationMfaAdoptionStatus, NonMfaCompliantPrincipal, PartnerRequest, ResourceCollection,
    ResourceLinks,
};

use crate::clock::{iso_timestamp, parse_iso};
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::query_param;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The reports look back this far, as Partner Center's do.
const WINDOW_MS: i64 = 7 * 86_400_000;
/// The most rows a report lists.
const MOST: usize = 10_000;
/// Rows read to find the principals: enough for 10,000 distinct users many times over.
const SCAN: u32 = 200_000;

fn iso_ms(ms: i64) -> String {
    iso_timestamp(ms.div_euclid(1000))
}

/// The start of the window: seven days, or the retention when that is shorter.
fn since(state: &AppState) -> i64 {
    let now = state.clock.now_secs() * 1000;
    now - WINDOW_MS.min(state.history.retention_secs() * 1000)
}

/// `GET /v1/partnerRequests`: the partner's users' API requests of the last seven days, the
/// newest 10,000, newest first.
pub async fn requests(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
) -> ApiResult<Reply<ResourceCollection<PartnerRequest>>> {
    caller.require_user()?;
    state.history.flush().await;
    let rows = state
        .store
        .requests(
            &caller.partner.tenant_id,
            since(&state),
            Some(RequestKind::Api),
            false,
            MOST as u32,
        )
        .await?;
    let items = rows
        .into_iter()
        .map(|r| PartnerRequest {
            request_id: r.request_id,
            correlation_id: r.correlation_id,
            operation_name: r.operation,
            request_date_time: iso_ms(r.at_ms),
            source_ip_address: r.source_ip,
            object_id: r.object_id,
            tenant_id: r.tenant_id,
            upn: r.upn,
            application_id: r.application_id,
            mfa_compliant: r.mfa,
        })
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(items, ResourceLinks::to_self("/partnerRequests".to_owned())),
    ))
}

/// `GET /v1/nonMfaCompliantPartnerPrincipals`: the partner's users who signed in or called
/// the API without MFA in the last seven days, each with the latest time, latest first.
pub async fn principals(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
) -> ApiResult<Reply<ResourceCollection<NonMfaCompliantPrincipal>>> {
    caller.require_user()?;
    state.history.flush().await;
    let rows = state
        .store
        .requests(&caller.partner.tenant_id, since(&state), None, true, SCAN)
        .await?;
    let mut seen = HashSet::new();
    let items = rows
        .into_iter()
        .filter(|r| seen.insert(r.object_id.clone()))
        .take(MOST)
        .map(|r| NonMfaCompliantPrincipal {
            object_id: r.object_id,
            tenant_id: r.tenant_id,
            upn: r.upn,
            last_non_mfa_compliant_request_date_time: iso_ms(r.at_ms),
        })
        .collect();
    Ok(Reply::ok(
        format,
        ResourceCollection::new(
            items,
            ResourceLinks::to_self("/nonMfaCompliantPartnerPrincipals".to_owned()),
        ),
    ))
}

/// A `YYYY-MM-DD` (or a date-time, of which the day counts) query parameter, as a day number.
fn day_param(query: Option<&str>, name: &str) -> ApiResult<Option<i64>> {
    let Some(value) = query_param(query, name) else {
        return Ok(None);
    };
    parse_iso(&value)
        .map(|(secs, _)| Some(secs.div_euclid(86_400)))
        .ok_or_else(|| {
            ApiError::malformed(format!("The {name} '{value}' is not a date (YYYY-MM-DD)."))
        })
}

/// `GET /v1/applicationmfaadoptionstatus[?startDate=&endDate=]`: per day (UTC) and
/// application, the partner's API requests and how many carried MFA, a bare array in day and
/// application order. The days run from `startDate` to `endDate`, both included; by default
/// the last seven days up to today.
pub async fn adoption(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<Vec<ApplicationMfaAdoptionStatus>>> {
    caller.require_user()?;
    let today = state.clock.now_secs().div_euclid(86_400);
    let end = day_param(query.as_deref(), "endDate")?.unwrap_or(today);
    let start = day_param(query.as_deref(), "startDate")?.unwrap_or(end - 6);
    if start > end {
        return Err(ApiError::malformed("startDate is later than endDate."));
    }
    state.history.flush().await;
    let partner = &caller.partner.tenant_id;
    let days = state
        .store
        .daily_adoption(partner, start * 86_400_000, (end + 1) * 86_400_000)
        .await?;
    let names: HashMap<String, String> = state
        .store
        .apps_of(partner)
        .await?
        .into_iter()
        .map(|a| (a.client_id.to_string(), a.name))
        .collect();
    let items = days
        .into_iter()
        .map(|d| ApplicationMfaAdoptionStatus {
            login_date: iso_timestamp(d.day * 86_400)[..10].to_owned(),
            mfa_compliant_request_count: d.mfa_requests,
            total_request_count: d.requests,
            application_name: names.get(&d.application_id).cloned().unwrap_or_default(),
            application_id: d.application_id,
        })
        .collect();
    Ok(Reply::ok(format, items))
}

/// The report operations.
pub fn routes() -> Vec<Route> {
    // Paths are matched lower-cased (see `http::paths`).
    vec![
        Route::get("/v1/partnerrequests", "getPartnerRequests", requests)
            .summary("The partner's users' API requests of the last seven days (newest 10,000), with their MFA. App+user.")
            .answers(200, Some(Body::PartnerRequestPage)),
        Route::get(
            "/v1/nonmfacompliantpartnerprincipals",
            "getNonMfaCompliantPartnerPrincipals",
            principals,
        )
        .summary("The partner's users who signed in or called the API without MFA in the last seven days. App+user.")
        .answers(200, Some(Body::PrincipalPage)),
        Route::get(
            "/v1/applicationmfaadoptionstatus",
            "getApplicationMfaAdoptionStatus",
            adoption,
        )
        .summary("Per day and application, the partner's API requests and how many carried MFA (a bare array). App+user.")
        .answers(200, Some(Body::MfaAdoption))
        .query(&["startDate", "endDate"]),
    ]
}
