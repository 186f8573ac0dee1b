//! The router: every route of the API, the token service and the control plane, wrapped in
//! path normalisation and the layers.
//!
//! The Partner Center routes and the control plane are declared once, in [`operations`], as
//! pairs of an [`Operation`] (what the OpenAPI document says) and its handler; the router and
//! the document are both built from that list, so neither can have a route the other lacks.
//! The token service and its pages follow Entra rather than Partner Center and are routed
//! apart.

use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, head, patch, post, put, MethodRouter};
use axum::{Json, Router};
use tower::Layer;

use crate::context::wire_layer;
use crate::error::ApiError;
use crate::idempotency::idempotency_layer;
use crate::oauth::{discovery, pages};
use crate::openapi::{Access, Body, Operation};
use crate::ops::control;
use crate::ops::layer::ops_layer;
use crate::state::AppState;
use crate::{customers, domains, oauth, paths, profiles, relationships};

/// The application: the router behind path normalisation.
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

const NO_QUERY: &[&str] = &[];
const NO_HEADERS: &[&str] = &[];

#[allow(clippy::too_many_arguments)]
const fn op(
    method: &'static str,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    access: Access,
    request: Option<Body>,
    success: (u16, Option<Body>),
    query: &'static [&'static str],
    headers: &'static [&'static str],
) -> Operation {
    Operation {
        method,
        path,
        id,
        summary,
        access,
        request,
        success,
        query,
        headers,
    }
}

/// Every documented operation with its handler.
pub fn operations() -> Vec<(Operation, MethodRouter<AppState>)> {
    use Access::{Admin, Open, Partner};
    vec![
        (
            op("get", "/v1/customers", "listCustomers", "A page of the partner's customers, or a search by filter; seekOperation=Next with MS-ContinuationToken continues a scan.",
                Partner, None, (200, Some(Body::CustomerPage)), &["size", "filter", "seekOperation"], &["MS-ContinuationToken"]),
            get(customers::list),
        ),
        (
            op("post", "/v1/customers", "createCustomer", "Creates a customer (for an indirect reseller with associatedPartnerId).",
                Partner, Some(Body::Customer), (201, Some(Body::Customer)), NO_QUERY, &["MS-RequestId"]),
            post(customers::create),
        ),
        (
            op("get", "/v1/customers/{id}", "getCustomer", "A customer, as the partner sees it.",
                Partner, None, (200, Some(Body::Customer)), NO_QUERY, NO_HEADERS),
            get(customers::get),
        ),
        (
            op("patch", "/v1/customers/{id}", "patchCustomer", "Removes the reseller relationship (relationshipToPartner: none) or delegated access (allowDelegatedAccess: false).",
                Partner, Some(Body::Customer), (200, Some(Body::Customer)), NO_QUERY, &["MS-RequestId"]),
            patch(customers::patch),
        ),
        (
            op("delete", "/v1/customers/{id}", "deleteCustomer", "Deletes a customer (sandbox partners only).",
                Partner, None, (204, None), NO_QUERY, &["MS-RequestId"]),
            delete(customers::delete),
        ),
        (
            op("get", "/v1/customers/{id}/profiles/billing", "getBillingProfile", "The customer's billing profile and its ETag.",
                Partner, None, (200, Some(Body::BillingProfile)), NO_QUERY, NO_HEADERS),
            get(profiles::get_billing),
        ),
        (
            op("put", "/v1/customers/{id}/profiles/billing", "updateBillingProfile", "Replaces the billing profile if the ETag (If-Match, else attributes.etag) matches.",
                Partner, Some(Body::BillingProfile), (200, Some(Body::BillingProfile)), NO_QUERY, &["If-Match", "MS-RequestId"]),
            put(profiles::put_billing),
        ),
        (
            op("get", "/v1/customers/{id}/profiles/company", "getCompanyProfile", "The customer's company profile.",
                Partner, None, (200, Some(Body::CompanyProfile)), NO_QUERY, NO_HEADERS),
            get(profiles::get_company),
        ),
        (
            op("get", "/v1/customers/{id}/relationships", "getCustomerRelationships", "The customer's other partners, relative to the caller.",
                Partner, None, (200, Some(Body::RelationshipPage)), NO_QUERY, NO_HEADERS),
            get(relationships::of_customer),
        ),
        (
            op("get", "/v1/relationships", "getPartnerRelationships", "The partner's indirect resellers or providers.",
                Partner, None, (200, Some(Body::RelationshipPage)), &["relationship_type", "filter"], NO_HEADERS),
            get(relationships::of_partner),
        ),
        (
            op("head", "/v1/domains/{domain}", "domainExists", "200 if a customer holds the domain, 404 if it is free.",
                Partner, None, (200, None), NO_QUERY, NO_HEADERS),
            head(domains::head),
        ),
        (
            op("get", "/v1/validations/checkdomainavailability/{prefix}", "checkDomainAvailability", "Whether {prefix}.onmicrosoft.com is available.",
                Partner, None, (200, Some(Body::Boolean)), NO_QUERY, NO_HEADERS),
            get(domains::check_availability),
        ),
        (
            op("get", "/_partnerd/health", "health", "The process answers.",
                Open, None, (200, Some(Body::Status)), NO_QUERY, NO_HEADERS),
            get(control::health),
        ),
        (
            op("get", "/_partnerd/ready", "ready", "The store answers too.",
                Open, None, (200, Some(Body::Status)), NO_QUERY, NO_HEADERS),
            get(control::ready),
        ),
        (
            op("get", "/_partnerd/metrics", "metrics", "Prometheus metrics.",
                Admin, None, (200, Some(Body::Metrics)), NO_QUERY, NO_HEADERS),
            get(control::metrics),
        ),
        (
            op("get", "/_partnerd/requests", "requests", "The request journal, newest first.",
                Admin, None, (200, Some(Body::Journal)), &["correlationId", "requestId", "status", "limit"], NO_HEADERS),
            get(control::requests),
        ),
        (
            op("get", "/_partnerd/faults", "listFaults", "The fault-injection rules.",
                Admin, None, (200, Some(Body::FaultRules)), NO_QUERY, NO_HEADERS),
            get(control::list_faults),
        ),
        (
            op("post", "/_partnerd/faults", "addFault", "Adds a fault-injection rule.",
                Admin, Some(Body::FaultRule), (201, Some(Body::FaultRule)), NO_QUERY, NO_HEADERS),
            post(control::add_fault),
        ),
        (
            op("delete", "/_partnerd/faults", "clearFaults", "Removes every fault-injection rule.",
                Admin, None, (204, None), NO_QUERY, NO_HEADERS),
            delete(control::clear_faults),
        ),
        (
            op("delete", "/_partnerd/faults/{id}", "removeFault", "Removes one fault-injection rule.",
                Admin, None, (204, None), NO_QUERY, NO_HEADERS),
            delete(control::remove_fault),
        ),
        (
            op("post", "/_partnerd/partners/{tenant}/reset", "resetPartner", "Deletes the partner's customers; its credentials stay.",
                Admin, None, (200, Some(Body::Reset)), NO_QUERY, NO_HEADERS),
            post(control::reset_partner),
        ),
        (
            op("get", "/_partnerd/openapi.json", "openapi", "This document.",
                Admin, None, (200, Some(Body::Document)), NO_QUERY, NO_HEADERS),
            get(control::openapi),
        ),
    ]
}

/// The OpenAPI document of [`operations`].
pub fn openapi_document() -> serde_json::Value {
    let ops: Vec<Operation> = operations().into_iter().map(|(op, _)| op).collect();
    crate::openapi::document(&ops)
}

/// Builds the whole application over its state.
pub fn build_app(state: AppState) -> App {
    let mut routes = Router::new();
    for (op, handler) in operations() {
        // Several operations share a path; axum merges their method routers.
        routes = routes.route(op.path, handler);
    }
    let routes = routes
        .route("/{tenant}/oauth2/token", post(oauth::token_v1))
        .route("/{tenant}/oauth2/v2.0/token", post(oauth::token_v2))
        .route(
            "/{tenant}/oauth2/authorize",
            get(pages::authorize_page).post(pages::authorize_submit),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(pages::authorize_page).post(pages::authorize_submit),
        )
        .route("/{tenant}/oauth2/devicecode", post(pages::device_code))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(pages::device_code))
        .route(
            "/devicelogin",
            get(pages::device_login_page).post(pages::device_login_submit),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration_v1),
        )
        .route("/common/userrealm/{upn}", get(discovery::user_realm))
        .route("/{tenant}/discovery/keys", get(discovery::jwks))
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::jwks))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), idempotency_layer))
        .layer(from_fn_with_state(state.clone(), ops_layer))
        .layer(from_fn_with_state(state.clone(), wire_layer))
        .with_state(state);
    // Paths are normalised before routing, so the wrapper sits outside the router.
    let normalise: fn(Request) -> Request = paths::normalise::<axum::body::Body>;
    tower::util::MapRequestLayer::new(normalise).layer(routes)
}

async fn not_found() -> ApiError {
    ApiError::route_not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Keeps the document's handler next to the table it describes.
pub(crate) async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi_document())
}
