//! The control plane's service incidents: list, create (or replace), resolve and delete the
//! incidents and message-center posts that `GET /v1/serviceincidents/office` serves.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use partnerd_wire::{IncidentMessage, ServiceIncidentDetail};
use serde::Deserialize;

use crate::api::incidents::{all, StoredIncident, KIND};
use crate::clock::iso_timestamp;
use crate::control::Admin;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::Segment;
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// An incident to create; only the workload is required.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewIncident {
    /// Its id; a new one (`<workload initials><number>`) by default.
    #[serde(default)]
    pub id: Option<String>,
    /// The workload (`Exchange`).
    pub workload: String,
    /// `incident` (default) or `message_center`.
    #[serde(default)]
    pub message_type: Option<String>,
    /// `information`, `warning` (default) or `critical`.
    #[serde(default)]
    pub status: Option<String>,
    /// When it started (ISO 8601); now by default.
    #[serde(default)]
    pub start_time: Option<String>,
    /// What is affected.
    #[serde(default)]
    pub impacted_area: Option<String>,
    /// Its category.
    #[serde(default)]
    pub category: Option<String>,
    /// What partners should do (posts).
    #[serde(default)]
    pub action_type: Option<String>,
    /// By when (posts; ISO 8601).
    #[serde(default)]
    pub required_by: Option<String>,
    /// Its first message.
    #[serde(default)]
    pub message: Option<String>,
    /// Customer tenants it touches; every tenant when empty.
    #[serde(default)]
    pub affected_tenants: Vec<String>,
}

const STATUSES: [&str; 4] = ["normal", "information", "warning", "critical"];
const TYPES: [&str; 2] = ["incident", "message_center"];

async fn find(state: &AppState, id: &str) -> ApiResult<StoredIncident> {
    all(state)
        .await?
        .into_iter()
        .find(|i| i.detail.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| ApiError::not_found(format!("No service incident {id}.")))
}

async fn save(state: &AppState, incident: &StoredIncident) -> ApiResult<()> {
    let body = serde_json::to_value(incident)
        .map_err(|e| ApiError::internal(&format!("incident unwritable: {e}")))?;
    state
        .store
        .put_document(KIND, &incident.detail.id, body)
        .await?;
    Ok(())
}

/// `GET /_partnerd/serviceincidents`: every incident with the tenants it touches.
pub async fn list(State(state): State<AppState>, _: Admin) -> ApiResult<Json<Vec<StoredIncident>>> {
    Ok(Json(all(&state).await?))
}

/// `POST /_partnerd/serviceincidents`: creates (or, under an existing id, replaces) an
/// incident; 201 with it.
pub async fn create(
    State(state): State<AppState>,
    _: Admin,
    WireBody(new): WireBody<NewIncident>,
) -> ApiResult<Response> {
    let lower = |v: Option<String>, default: &str| {
        v.map(|s| s.trim().to_ascii_lowercase())
            .unwrap_or_else(|| default.to_owned())
    };
    let status = lower(new.status, "warning");
    let message_type = lower(new.message_type, "incident");
    if !STATUSES.contains(&status.as_str()) || !TYPES.contains(&message_type.as_str()) {
        return Err(ApiError::malformed(
            "status is normal, information, warning or critical; messageType is incident or message_center.",
        ));
    }
    let workload = new.workload.trim().to_owned();
    if workload.is_empty() || workload.len() > 64 || workload.chars().any(char::is_control) {
        return Err(ApiError::malformed(
            "workload is required (at most 64 characters).",
        ));
    }
    let now = state.clock.now_secs();
    let start_time = match new.start_time {
        Some(t) => {
            let (secs, _) = crate::clock::parse_iso(&t)
                .ok_or_else(|| ApiError::malformed("startTime is not an ISO 8601 time."))?;
            iso_timestamp(secs)
        }
        None => iso_timestamp(now),
    };
    let id = new
        .id
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| {
            let initials: String = workload
                .chars()
                .filter(char::is_ascii_uppercase)
                .take(2)
                .collect();
            format!("{initials}{}", 100_000 + rand::random::<u32>() % 900_000)
        });
    if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ApiError::malformed(
            "id is at most 64 letters, digits and hyphens.",
        ));
    }
    let incident = StoredIncident {
        detail: ServiceIncidentDetail {
            id,
            message_type,
            start_time: start_time.clone(),
            end_time: None,
            severity: status.clone(),
            status,
            resolved: false,
            affected_workload_names: vec![workload.clone()],
            workload,
            impacted_area: new.impacted_area,
            category: new.category,
            action_type: new.action_type,
            required_by: new.required_by,
            messages: new
                .message
                .map(|text| IncidentMessage {
                    published_time: start_time,
                    message_text: text,
                })
                .into_iter()
                .collect(),
        },
        affected_tenants: new.affected_tenants,
    };
    save(&state, &incident).await?;
    Ok((StatusCode::CREATED, Json(incident)).into_response())
}

/// What resolving adds.
#[derive(Deserialize, Default)]
pub struct Resolution {
    /// A closing message.
    #[serde(default)]
    pub message: Option<String>,
}

/// `POST /_partnerd/serviceincidents/{id}/resolve [{"message": …}]`: resolved, ended now,
/// status `normal`; 200 with it.
pub async fn resolve(
    State(state): State<AppState>,
    _: Admin,
    Segment(id): Segment,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let resolution: Resolution = if body.iter().all(u8::is_ascii_whitespace) {
        Resolution::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::malformed(format!("Expected {{\"message\": …}}: {e}.")))?
    };
    let mut incident = find(&state, &id).await?;
    let now = iso_timestamp(state.clock.now_secs());
    incident.detail.resolved = true;
    incident.detail.end_time = Some(now.clone());
    incident.detail.status = "normal".to_owned();
    incident.detail.messages.push(IncidentMessage {
        published_time: now,
        message_text: resolution
            .message
            .unwrap_or_else(|| "The issue is resolved.".to_owned()),
    });
    save(&state, &incident).await?;
    Ok(Json(incident).into_response())
}

/// `DELETE /_partnerd/serviceincidents/{id}`: 204, or 404/1000.
pub async fn remove(
    State(state): State<AppState>,
    _: Admin,
    Segment(id): Segment,
) -> ApiResult<StatusCode> {
    let incident = find(&state, &id).await?;
    state
        .store
        .delete_document(KIND, &incident.detail.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The control plane's incident operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/_partnerd/serviceincidents", "listServiceIncidents", list)
            .summary(
                "Every service incident and message-center post, with the tenants each touches.",
            )
            .access(Access::Admin)
            .answers(200, Some(Body::StoredIncidents)),
        Route::post(
            "/_partnerd/serviceincidents",
            "createServiceIncident",
            create,
        )
        .summary("Creates (or replaces) a service incident or message-center post.")
        .access(Access::Admin)
        .takes(Body::NewIncident)
        .answers(201, Some(Body::StoredIncident)),
        Route::post(
            "/_partnerd/serviceincidents/{id}/resolve",
            "resolveServiceIncident",
            resolve,
        )
        .summary("Resolves a service incident now, with an optional closing message.")
        .access(Access::Admin)
        .answers(200, Some(Body::StoredIncident)),
        Route::delete(
            "/_partnerd/serviceincidents/{id}",
            "deleteServiceIncident",
            remove,
        )
        .summary("Deletes a service incident.")
        .access(Access::Admin)
        .answers(204, None),
    ]
}
