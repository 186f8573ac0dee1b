//! The control plane under `/_partnerd/`: health, readiness, metrics, the request journal,
//! fault rules and partner reset. Everything but health and readiness needs the admin token
//! (`Authorization: Bearer <token>`).

use crate::path_param::Segment;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::faults::FaultRule;
use super::journal::{JournalEntry, JournalQuery};
use crate::customers::tenant_guid;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Proof that the request carries the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.trim()
                    .strip_prefix("Bearer ")
                    .or_else(|| v.trim().strip_prefix("bearer "))
            })
            .map(str::trim)
            .unwrap_or_default();
        let expected = state.ops.admin_token.as_bytes();
        if !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected)) {
            Ok(Admin)
        } else {
            Err(ApiError::unauthorized(
                "The control plane needs the admin token: Authorization: Bearer <admin token>.",
            ))
        }
    }
}

/// The body of the health and readiness answers.
#[derive(Serialize)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// `GET /_partnerd/health`: the process answers.
pub async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// `GET /_partnerd/ready`: the store answers too.
pub async fn ready(State(state): State<AppState>) -> ApiResult<Json<Status>> {
    state.store.ping().await?;
    Ok(Json(Status { status: "ready" }))
}

/// `GET /_partnerd/metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>, _: Admin) -> Response {
    let mut response = state.ops.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::metrics::CONTENT_TYPE),
    );
    response
}

/// `GET /_partnerd/requests?correlationId=&requestId=&status=&limit=`: the journal, newest first.
pub async fn requests(
    State(state): State<AppState>,
    _: Admin,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Vec<JournalEntry>>> {
    let Query(query) =
        query.map_err(|e| ApiError::malformed(format!("Invalid journal query: {e}.")))?;
    Ok(Json(state.ops.journal.query(&query)))
}

/// `GET /_partnerd/faults`.
pub async fn list_faults(State(state): State<AppState>, _: Admin) -> Json<Vec<FaultRule>> {
    Json(state.ops.faults.list())
}

/// `POST /_partnerd/faults`: adds a rule (its `id` is assigned).
pub async fn add_fault(
    State(state): State<AppState>,
    _: Admin,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed(format!("The fault rule is not JSON: {e}.")))?;
    if let Some(map) = value.as_object_mut() {
        map.entry("id")
            .or_insert_with(|| serde_json::Value::String(String::new()));
    }
    let rule: FaultRule = serde_json::from_value(value)
        .map_err(|e| ApiError::malformed(format!("The fault rule is invalid: {e}.")))?;
    let rule = state
        .ops
        .faults
        .add(rule)
        .map_err(|e| ApiError::malformed(format!("The fault rule is invalid: {e}.")))?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

/// `DELETE /_partnerd/faults/{id}`.
pub async fn remove_fault(
    State(state): State<AppState>,
    _: Admin,
    Segment(id): Segment,
) -> ApiResult<StatusCode> {
    if state.ops.faults.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            1000,
            format!("No fault rule {id}."),
        ))
    }
}

/// `DELETE /_partnerd/faults`: removes every rule.
pub async fn clear_faults(State(state): State<AppState>, _: Admin) -> StatusCode {
    state.ops.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reset {
    tenant_id: String,
    deleted_customers: u64,
}

/// `POST /_partnerd/partners/{tenant}/reset`: the partner's customers go, its credentials stay.
pub async fn reset_partner(
    State(state): State<AppState>,
    _: Admin,
    Segment(tenant): Segment,
) -> ApiResult<Response> {
    let tenant = tenant_guid(&tenant)?;
    if state.store.partner(&tenant).await?.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            60003,
            format!("Partner {tenant} not found."),
        ));
    }
    let deleted = state.store.reset_partner(&tenant).await?;
    Ok(Json(Reset {
        tenant_id: tenant,
        deleted_customers: deleted,
    })
    .into_response())
}

/// `GET /_partnerd/openapi.json`.
pub async fn openapi(_: Admin) -> Json<serde_json::Value> {
    crate::app::openapi_json().await
}
