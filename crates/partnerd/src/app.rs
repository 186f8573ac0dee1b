//! The router: every route of the API, the token service and the control plane, wrapped in
//! path normalisation and the layers.
//!
//! The Partner Center routes and the control plane come from the one operation table,
//! [`operations`], which also builds the OpenAPI document. The token service and
//! its pages follow Entra rather than Partner Center and are routed apart.

use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tower::Layer;

use crate::http::context::wire_layer;
use crate::http::error::ApiError;
use crate::http::idempotency::idempotency_layer;
use crate::http::operations::ops_layer;
use crate::http::paths;
use crate::oauth::{discovery, pages};
use crate::routes::openapi::{Access, Body, Operation};
use crate::routes::Route;
use crate::state::AppState;
use crate::{api, oauth};

/// Every documented operation with its handler: the Partner Center resources, the control
/// plane, and the OpenAPI document of them all.
pub fn operations() -> Vec<Route> {
    let mut all = api::routes();
    all.extend(crate::control::routes());
    all.push(
        Route::get("/_partnerd/openapi.json", "openapi", openapi)
            .summary("This document.")
            .access(Access::Admin)
            .answers(200, Some(Body::Document)),
    );
    all
}

/// The OpenAPI document of [`operations`].
pub fn openapi_document() -> serde_json::Value {
    let ops: Vec<Operation> = operations().into_iter().map(|r| r.operation).collect();
    crate::routes::openapi::document(&ops)
}

/// `GET /_partnerd/openapi.json` (admin token).
async fn openapi(_: crate::control::Admin) -> axum::Json<serde_json::Value> {
    axum::Json(openapi_document())
}

/// The application: the router behind path normalisation.
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// Builds the whole application over its state.
pub fn build_app(state: AppState) -> App {
    let mut routes = Router::new();
    for route in operations() {
        // Several operations share a path; axum merges their method routers.
        routes = routes.route(route.operation.path, route.handler);
    }
    let routes = routes
        .merge(crate::control::ui::router())
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
