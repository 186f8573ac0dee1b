//! Signing keys on the control plane: list, rotate and retire, as `partnerd keys` does. Keys
//! live in the store, so every node signs with the newest within seconds; this node reloads
//! at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::Admin;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::Segment;
use crate::routes::openapi::{Access, Body};
use crate::routes::Route;
use crate::state::AppState;

/// An active signing key, without its private half.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeySummary {
    /// The key id (a token's `kid`).
    pub kid: String,
    /// When it was made, RFC 3339 UTC.
    pub created: String,
    /// Whether new tokens are signed with it (the newest is).
    pub signs: bool,
}

async fn summaries(state: &AppState) -> ApiResult<Vec<KeySummary>> {
    let keys = state.store.signing_keys().await?;
    Ok(keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| KeySummary {
            kid: k.kid,
            created: crate::clock::iso_timestamp(k.created_at),
            signs: i == 0,
        })
        .collect())
}

/// `GET /_partnerd/keys`: the active keys, the signing one first.
pub async fn list(State(state): State<AppState>, _: Admin) -> ApiResult<Json<Vec<KeySummary>>> {
    Ok(Json(summaries(&state).await?))
}

/// `POST /_partnerd/keys`: adds a key, which signs from now on; the old ones still validate.
pub async fn rotate(State(state): State<AppState>, _: Admin) -> ApiResult<Response> {
    // An RSA key takes a fraction of a second of CPU: off the async workers.
    let key = tokio::task::spawn_blocking(crate::auth::keys::generate_key)
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|e| ApiError::internal(&e))?;
    state.store.add_signing_key(key).await?;
    state.keys.reload().await?;
    Ok((StatusCode::CREATED, Json(summaries(&state).await?)).into_response())
}

/// `DELETE /_partnerd/keys/{kid}`: retires a key; tokens it signed stop validating. The last
/// key cannot go: nothing would sign.
pub async fn retire(
    State(state): State<AppState>,
    _: Admin,
    Segment(kid): Segment,
) -> ApiResult<StatusCode> {
    // The store refuses to retire the last active key, atomically; a refusal is told apart
    // from an unknown key by reading again.
    if !state.store.retire_signing_key(&kid).await? {
        let active = state.store.signing_keys().await?;
        return Err(if active.iter().any(|k| k.kid == kid) {
            ApiError::last_signing_key(&kid)
        } else {
            ApiError::not_found(format!("No active signing key {kid}."))
        });
    }
    state.keys.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The key operations of the control plane.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/_partnerd/keys", "listSigningKeys", list)
            .summary("The active token signing keys, the one that signs first.")
            .access(Access::Admin)
            .answers(200, Some(Body::SigningKeys)),
        Route::post("/_partnerd/keys", "rotateSigningKey", rotate)
            .summary("Adds a signing key that signs from now on (every node within seconds); older keys still validate.")
            .access(Access::Admin)
            .answers(201, Some(Body::SigningKeys)),
        Route::delete("/_partnerd/keys/{kid}", "retireSigningKey", retire)
            .summary("Retires a signing key: tokens it signed stop validating. The only key cannot be retired.")
            .access(Access::Admin)
            .answers(204, None),
    ]
}
