//! Request bodies: media type check and lenient decoding into wire types.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A body in canonical form for fingerprinting: the same request sent as JSON in any property
/// casing and order, with or without nulls, gives the same text. Bodies that cannot be read
/// are taken as they are.
pub fn canonical_body(content_type: Option<&str>, bytes: &[u8]) -> String {
    let _ = content_type;
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => partnerd_wire::decode::normalise(value).to_string(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A request body decoded leniently into `T`.
pub struct WireBody<T>(pub T);

/// The request media types that are read as JSON.
fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    media.eq_ignore_ascii_case("application/json") || media.eq_ignore_ascii_case("text/json")
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WireBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
        if let Some(ct) = content_type.as_deref().filter(|ct| !is_json(ct)) {
            return Err(ApiError::unsupported_media_type(ct));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::malformed(format!("The request body could not be read: {e}")))?;
        partnerd_wire::decode_json(&bytes)
            .map(WireBody)
            .map_err(|e| {
                let data = if e.path.is_empty() {
                    Vec::new()
                } else {
                    vec![format!("property_name: {}", e.path)]
                };
                ApiError::malformed(e.to_string()).with_data(data)
            })
    }
}
