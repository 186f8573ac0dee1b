//! The Partner Center operations, one module per resource. Each module owns its handlers and
//! lists them in a `routes()` of [`crate::routes::Route`]s; [`routes`] gathers those lists,
//! and [`crate::app`] joins them with the control plane's into the one table that builds both
//! the router and the OpenAPI document.

pub mod customers;
pub mod domains;
pub mod managed_services;
pub mod markets;
pub mod profiles;
pub mod relationship_requests;
pub mod relationships;
pub mod subscriptions;
pub mod validations;

use crate::routes::Route;

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
    ]
    .into_iter()
    .flatten()
    .collect()
}
