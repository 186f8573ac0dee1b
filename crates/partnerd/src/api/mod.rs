//! The Partner Center operations, one module per resource. Each module owns its handlers and
//! lists them in a `routes()` of [`Route`]s; [`operations`] gathers those lists (and the
//! control plane's) into the one table that builds both the router and the OpenAPI document,
//! so neither can have an operation the other lacks.

pub mod customers;
pub mod domains;
pub mod managed_services;
pub mod markets;
pub mod openapi;
pub mod profiles;
pub mod relationship_requests;
pub mod relationships;
pub mod route;
pub mod subscriptions;
pub mod validations;

pub use route::Route;

/// Every documented operation with its handler: the Partner Center resources, then the
/// control plane.
pub fn operations() -> Vec<Route> {
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
        crate::control::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The OpenAPI document of [`operations`].
pub fn openapi_document() -> serde_json::Value {
    let ops: Vec<openapi::Operation> = operations().into_iter().map(|r| r.operation).collect();
    openapi::document(&ops)
}
