//! The wire layer: tracking headers, response negotiation and fault rendering for every
//! request, Partner Center routes and token service alike.
//!
//! What surrounds a handler, outermost first: path normalisation ([`crate::http::paths`]),
//! which must come before routing and so wraps the router; the router, which matches the
//! route; then this layer, the operations layer ([`crate::http::operations`]) and the
//! idempotency layer ([`crate::http::idempotency`]); then the extractors, which authenticate
//! ([`crate::http::Caller`]) and decode. Being the outermost layer, this one negotiates before
//! any other layer or the handler runs (a 406 stops the request here), and stamps the tracking
//! headers on every answer, including those the inner layers give themselves (throttled,
//! faulted, replayed).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use rand::RngCore;
use tracing::Instrument;

use crate::http::error::ApiError;
use crate::http::reply::Format;
use crate::state::AppState;

/// Tracking values and the negotiated format of one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// `MS-CorrelationId`: the caller's, else new.
    pub correlation_id: String,
    /// `MS-RequestId`: the caller's, else new.
    pub request_id: String,
    /// `MS-CV` to answer with.
    pub cv: String,
    /// Response media type.
    pub format: Format,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Arc<RequestContext>>()
            .map(|c| RequestContext::clone(c))
            .ok_or_else(|| ApiError::internal("request context missing"))
    }
}

impl crate::ops::journal::TrackingIds for RequestContext {
    fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// Extracts just the negotiated [`Format`].
impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Arc<RequestContext>>()
            .map(|c| c.format)
            .ok_or_else(|| ApiError::internal("request context missing"))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A new random GUID from the thread's userspace generator (no system call per request).
pub fn new_guid() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A new correlation vector base, as the real service mints them (`ObwhuhD2tUKJoM+Z.0`).
fn new_cv() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{}.0",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The middleware itself.
pub async fn wire_layer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let format = Format::negotiate(header(headers, "accept"));
    let rejected_accept = format
        .is_none()
        .then(|| header(headers, "accept").unwrap_or_default().to_owned());
    let ctx = Arc::new(RequestContext {
        correlation_id: header(headers, "ms-correlationid")
            .map(str::to_owned)
            .unwrap_or_else(new_guid),
        request_id: header(headers, "ms-requestid")
            .map(str::to_owned)
            .unwrap_or_else(new_guid),
        cv: header(headers, "ms-cv")
            .map(|cv| format!("{cv}.1"))
            .unwrap_or_else(new_cv),
        format: format.unwrap_or(Format::Json),
    });
    // A debug span: at the default level it costs nothing; warnings carry the ids themselves.
    let span = tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        correlation_id = %ctx.correlation_id,
        request_id = %ctx.request_id,
        partner = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let mut response = match rejected_accept {
        Some(accept) => ApiError::not_acceptable(&accept).render(Format::Json),
        None => {
            request.extensions_mut().insert(ctx.clone());
            let response = next.run(request).instrument(span.clone()).await;
            finish_fault(response, &ctx)
        }
    };
    let _enter = span.enter();
    let status = response.status();
    if status.is_server_error() {
        tracing::warn!(
            status = status.as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request failed"
        );
    } else {
        tracing::debug!(
            status = status.as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request done"
        );
    }
    let out = response.headers_mut();
    for (name, value) in [
        ("ms-correlationid", ctx.correlation_id.as_str()),
        ("ms-requestid", ctx.request_id.as_str()),
        ("ms-cv", ctx.cv.as_str()),
        ("ms-serverid", &state.server_id),
    ] {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(name, v);
        }
    }
    response
}

/// Re-renders an error response in the negotiated format, with the correlation id in the
/// data of a 5xx.
fn finish_fault(response: Response, ctx: &RequestContext) -> Response {
    let Some(error) = response.extensions().get::<ApiError>() else {
        return response;
    };
    if ctx.format == Format::Json && !error.status.is_server_error() {
        return response;
    }
    let mut error = error.clone();
    if error.status.is_server_error() || error.status == StatusCode::INTERNAL_SERVER_ERROR {
        error.fault.data = vec![ctx.correlation_id.clone()];
    }
    error.render(ctx.format)
}
