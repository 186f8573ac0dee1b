//! GCC validation codes: `GET /v1/customers/all/validations` lists the caller's codes (each
//! may qualify a number of customers for GovernmentCommunityCloud), and
//! `GET /v1/customers/{id}/validations` the code a customer was qualified with. Real partners
//! get codes from Microsoft's offline eligibility form; a partnerd sandbox partner starts with
//! one, and the control plane adds more (`/_partnerd/partners/{tenant}/validation-codes`).

use axum::extract::State;
use partnerd_store::{CustomerId, GccValidationRecord, RecordKind, ValidationCodeRecord};
use partnerd_wire::{GccValidationRelationship, ValidationCode};

use crate::api::customers::related;
use crate::clock::table_etag;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::PathId;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The wire form of a partner's code.
pub fn wire(partner: &str, code: &ValidationCodeRecord) -> ValidationCode {
    ValidationCode {
        partner_id: partner.to_owned(),
        organization_name: code.organization_name.clone(),
        validation_id: code.validation_id.clone(),
        max_creates: code.max_creates,
        remaining_creates: code.remaining_creates,
        // Each use of a create changes the code: the count of used creates versions it.
        etag: table_etag(
            code.changed_at,
            u64::from(code.max_creates.saturating_sub(code.remaining_creates)),
        ),
    }
}

/// `GET /v1/customers/all/validations`: the caller's codes, a bare array.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
) -> ApiResult<Reply<Vec<ValidationCode>>> {
    let partner = &caller.partner.tenant_id;
    let codes = state.store.validation_codes(partner).await?;
    Ok(Reply::ok(
        format,
        codes.iter().map(|c| wire(partner, c)).collect(),
    ))
}

/// `GET /v1/customers/{id}/validations`: the code the customer was qualified with for
/// GovernmentCommunityCloud; 404/1000 when it has none.
pub async fn of_customer(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
) -> ApiResult<Reply<GccValidationRelationship>> {
    related(&state, &caller, &id).await?;
    let records = state
        .store
        .customer_records(&id, RecordKind::GccValidation)
        .await?;
    let Some(record) = records.first() else {
        return Err(ApiError::not_found(format!(
            "Customer {id} was not qualified with a GCC validation code."
        )));
    };
    let link: GccValidationRecord = record.read()?;
    Ok(Reply::ok(
        format,
        GccValidationRelationship {
            partner_id: record.partner_id.to_string(),
            customer_id: id.to_string(),
            validation_id: link.validation_id,
            organization_name: link.organization_name,
            etag: table_etag(link.created_at, 0),
        },
    ))
}

/// The validation-code operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/v1/customers/all/validations", "getValidationCodes", list)
            .summary("The caller's GCC validation codes (a bare array).")
            .answers(200, Some(Body::ValidationCodes)),
        Route::get(
            "/v1/customers/{id}/validations",
            "getCustomerValidation",
            of_customer,
        )
        .summary("The GCC validation code the customer was qualified with.")
        .answers(200, Some(Body::GccValidation)),
    ]
}
