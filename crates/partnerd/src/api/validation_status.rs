//! `GET /v1/customers/{id}/validationStatus?type=account` (app+user): where Microsoft's
//! validation of the customer's account stands. Purchases are blocked for `UnderReview`,
//! `NotAllowed` and `Unknown`. A customer without a status answers 404/600074, as Partner
//! Center does; the control plane sets one
//! (`PUT /_partnerd/customers/{id}/validation-status {"status": "UnderReview"}`).

use axum::extract::{RawQuery, State};
use partnerd_store::{AccountStatusRecord, CustomerId, RecordKind};
use partnerd_wire::ValidationStatus;

use crate::api::customers::related;
use crate::clock::iso_timestamp;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// Every account status Partner Center documents, in its spelling.
pub const STATUSES: [&str; 5] = [
    "Allowed",
    "UnderReview",
    "NotAllowed",
    "Unknown",
    "Not Ready",
];

/// The documented spelling of a status given in any casing, with or without its space.
pub fn canonical_status(given: &str) -> Option<&'static str> {
    let fold = |s: &str| s.replace(' ', "").to_ascii_lowercase();
    STATUSES
        .into_iter()
        .find(|known| fold(known) == fold(given.trim()))
}

/// `GET /v1/customers/{id}/validationStatus?type=account`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ValidationStatus>> {
    caller.require_user()?;
    let kind = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("type"))
        .map(|(_, v)| v.into_owned());
    match kind.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("account") => {}
        Some(t) => {
            return Err(ApiError::malformed(format!(
                "The validation type '{t}' is not known; use type=account."
            )))
        }
        None => {
            return Err(ApiError::malformed(
                "The query parameter type is required: type=account.",
            ))
        }
    }
    related(&state, &caller, &id).await?;
    let records = state
        .store
        .customer_records(&id, RecordKind::AccountStatus)
        .await?;
    let Some(record) = records.first() else {
        return Err(ApiError::account_status_not_found(&id));
    };
    let status: AccountStatusRecord = record.read()?;
    Ok(Reply::ok(
        format,
        ValidationStatus {
            validation_type: "account".to_owned(),
            status: status.status,
            last_update_date_time: Some(iso_timestamp(status.changed_at)),
        },
    ))
}

/// The validation-status operation.
pub fn routes() -> Vec<Route> {
    vec![Route::get(
        // Paths are matched lower-cased (see `http::paths`): `validationStatus` as clients send it.
        "/v1/customers/{id}/validationstatus",
        "getValidationStatus",
        get,
    )
    .summary("Where the validation of the customer's account stands (404/600074 when it has no status). App+user.")
    .answers(200, Some(Body::ValidationStatus))
    .query(&["type"])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_in_any_spelling() {
        assert_eq!(canonical_status("underreview"), Some("UnderReview"));
        assert_eq!(canonical_status("NotReady"), Some("Not Ready"));
        assert_eq!(canonical_status(" Not Ready "), Some("Not Ready"));
        assert_eq!(canonical_status("Maybe"), None);
    }
}
