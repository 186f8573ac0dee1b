//! Request bodies: media type check and lenient decoding into wire types.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;
use crate::http::timeout::unreadable_body;

/// A request body's media type, as far as decoding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`, `text/json`, or no Content-Type at all.
    Json,
    /// `application/xml` or `text/xml`.
    Xml,
    /// `application/x-www-form-urlencoded`.
    Form,
}

impl BodyKind {
    /// The kind of a Content-Type (a `charset` parameter is fine); `None` if unsupported.
    pub fn of(content_type: Option<&str>) -> Option<Self> {
        let Some(ct) = content_type else {
            return Some(Self::Json);
        };
        let media = ct
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/json" | "text/json" => Some(Self::Json),
            "application/xml" | "text/xml" => Some(Self::Xml),
            "application/x-www-form-urlencoded" => Some(Self::Form),
            _ => None,
        }
    }

    /// The body as the tree every format decodes through. Each format's reader refuses a
    /// property given twice in one object, in any casing, naming its path.
    pub fn parse(self, bytes: &[u8]) -> Result<serde_json::Value, partnerd_wire::DecodeError> {
        match self {
            Self::Json => partnerd_wire::parse_json(bytes),
            Self::Xml => partnerd_wire::from_xml(bytes),
            Self::Form => partnerd_wire::from_form(bytes),
        }
    }
}

/// A body in canonical form for fingerprinting: the same request in any supported format,
/// property casing and order, with or without nulls and empty optional texts (both mean "not
/// given"), gives the same text. Bodies that cannot be read, a property given twice among
/// them, are taken as they are.
pub fn canonical_body(content_type: Option<&str>, bytes: &[u8]) -> String {
    match BodyKind::of(content_type).map(|k| k.parse(bytes)) {
        Some(Ok(value)) => partnerd_wire::decode::normalise(value).to_string(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A request body decoded leniently into `T`, from JSON, XML or a form.
pub struct WireBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WireBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
        let kind = BodyKind::of(content_type.as_deref()).ok_or_else(|| {
            ApiError::unsupported_media_type(content_type.as_deref().unwrap_or_default())
        })?;
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            let otherwise = ApiError::malformed(format!("The request body could not be read: {e}"));
            unreadable_body(&e, otherwise)
        })?;
        kind.parse(&bytes)
            .and_then(partnerd_wire::decode_value)
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
