//! The URL clients reach this server at, for the links it hands out (discovery documents,
//! agreement documents).

use axum::http::{header, HeaderMap};

use crate::state::AppState;

/// The URL clients reach this server at, from the `Host` header.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = if state.settings.tls { "https" } else { "http" };
    format!("{scheme}://{host}")
}
