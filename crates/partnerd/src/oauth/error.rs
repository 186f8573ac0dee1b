//! Entra-shaped errors of the token service and its pages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::clock::{entra_timestamp, now_secs};

/// An Entra error response: `error`, `error_description` starting `AADSTS<code>:`,
/// `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
#[derive(Debug)]
pub struct EntraError {
    /// HTTP status.
    pub status: StatusCode,
    /// OAuth error name (`invalid_grant`, ...).
    pub error: &'static str,
    /// AADSTS code.
    pub code: u32,
    /// Human-readable message.
    pub message: String,
    /// The request's `client-request-id`, else a new GUID.
    pub correlation_id: String,
}

#[derive(Serialize)]
struct Body {
    error: &'static str,
    error_description: String,
    error_codes: Vec<u32>,
    timestamp: String,
    trace_id: String,
    correlation_id: String,
    error_uri: String,
}

impl EntraError {
    /// A 400 with an error name and AADSTS code.
    pub fn bad_request(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            message: message.into(),
            correlation_id: String::new(),
        }
    }

    /// Sets the status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The store could not answer.
    pub fn unavailable(e: &partnerd_store::StoreError) -> Self {
        tracing::warn!(error = %e, "token service store failure");
        Self::bad_request(
            "temporarily_unavailable",
            90033,
            "The token service is temporarily unavailable.",
        )
        .status(StatusCode::SERVICE_UNAVAILABLE)
    }

    /// A required parameter is missing.
    pub fn missing(key: &str) -> Self {
        Self::bad_request(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{key}'."),
        )
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let timestamp = entra_timestamp(now_secs());
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = if self.correlation_id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            self.correlation_id
        };
        let body = Body {
            error: self.error,
            error_description: format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
                self.code, self.message
            ),
            error_codes: vec![self.code],
            timestamp,
            trace_id,
            correlation_id,
            error_uri: format!("https://login.microsoftonline.com/error?code={}", self.code),
        };
        (self.status, Json(body)).into_response()
    }
}
