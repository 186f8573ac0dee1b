//! A path parameter whose rejection speaks the contract: a segment that cannot be decoded
//! (bad percent-encoding, invalid UTF-8) is 400/800002, never axum's plain-text answer.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::error::ApiError;

/// The one parameter of a route, as text.
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(s)| Segment(s))
            .map_err(|e| ApiError::malformed(format!("The path is invalid: {e}.")))
    }
}
