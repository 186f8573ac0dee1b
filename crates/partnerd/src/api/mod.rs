//! The Partner Center operations, one module per resource. Each module owns its handlers and
//! lists them in a `routes()` of [`crate::routes::Route`]s; [`routes`] gathers those lists,
//! and [`crate::app`] joins them with the control plane's into the one table that builds both
//! the router and the OpenAPI document.

pub mod agreements;
pub mod customers;
pub mod domains;
pub mod incidents;
pub mod managed_services;
pub mod markets;
pub mod profiles;
pub mod qualifications;
pub mod relationship_requests;
pub mod relationships;
pub mod security;
pub mod self_serve;
pub mod subscriptions;
pub mod users;
pub mod validation_codes;
pub mod validation_status;
pub mod validations;
pub mod verified_domains;

use crate::auth::cloud::Cloud;
use crate::http::error::{ApiError, ApiResult};
use crate::routes::Route;
use crate::state::AppState;

/// 404/1000, as for an unknown route, when the server poses as a cloud in `missing_in`:
/// Partner Center's national clouds lack some operations (managed services under 21Vianet,
/// relationship requests in US Government).
pub(crate) fn offered(state: &AppState, missing_in: &[Cloud]) -> ApiResult<()> {
    if missing_in.contains(&state.settings.cloud) {
        Err(ApiError::route_not_found())
    } else {
        Ok(())
    }
}

/// Every Partner Center operation with its handler.
pub fn routes() -> Vec<Route> {
    [
        customers::routes(),
        profiles::routes(),
        relationships::routes(),
        domains::routes(),
        managed_services::routes(),
        markets::routes(),
        subscriptions::routes(),
        relationship_requests::routes(),
        validations::routes(),
        qualifications::routes(),
        validation_codes::routes(),
        verified_domains::routes(),
        validation_status::routes(),
        agreements::routes(),
        security::routes(),
        self_serve::routes(),
        incidents::routes(),
        users::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
