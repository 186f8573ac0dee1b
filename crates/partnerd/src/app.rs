//! The router: every route of the API, the token service and the control plane, wrapped in
//! path normalisation and the wire layer.

use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, head, post};
use axum::Router;
use tower::Layer;

use crate::context::wire_layer;
use crate::error::ApiError;
use crate::idempotency::idempotency_layer;
use crate::oauth::{discovery, pages};
use crate::ops::control;
use crate::ops::layer::ops_layer;
use crate::state::AppState;
use crate::{customers, domains, oauth, paths, profiles, relationships};

/// The application: the router behind path normalisation.
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// Builds the whole application over its state.
pub fn build_app(state: AppState) -> App {
    let routes = Router::new()
        .route(
            "/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/v1/customers/{id}",
            get(customers::get)
                .patch(customers::patch)
                .delete(customers::delete),
        )
        .route(
            "/v1/customers/{id}/profiles/billing",
            get(profiles::get_billing).put(profiles::put_billing),
        )
        .route(
            "/v1/customers/{id}/profiles/company",
            get(profiles::get_company),
        )
        .route(
            "/v1/customers/{id}/relationships",
            get(relationships::of_customer),
        )
        .route("/v1/relationships", get(relationships::of_partner))
        .route("/v1/domains/{domain}", head(domains::head))
        .route(
            "/v1/validations/checkdomainavailability/{prefix}",
            get(domains::check_availability),
        )
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
        .route("/_partnerd/health", get(control::health))
        .route("/_partnerd/ready", get(control::ready))
        .route("/_partnerd/metrics", get(control::metrics))
        .route("/_partnerd/requests", get(control::requests))
        .route(
            "/_partnerd/faults",
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/_partnerd/faults/{id}", delete(control::remove_fault))
        .route(
            "/_partnerd/partners/{tenant}/reset",
            post(control::reset_partner),
        )
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
