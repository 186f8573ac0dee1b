//! The one encoder: response media types, negotiation and typed replies.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use partnerd_store::StoredResponse;
use serde::Serialize;

/// A response media type partnerd can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json; charset=utf-8`.
    Json,
    /// JSON labelled `text/json; charset=utf-8`.
    TextJson,
    /// `application/xml; charset=utf-8`.
    Xml,
    /// XML labelled `text/xml; charset=utf-8`.
    TextXml,
}

impl Format {
    fn content_type(self) -> HeaderValue {
        match self {
            Format::Json => HeaderValue::from_static("application/json; charset=utf-8"),
            Format::TextJson => HeaderValue::from_static("text/json; charset=utf-8"),
            Format::Xml => HeaderValue::from_static("application/xml; charset=utf-8"),
            Format::TextXml => HeaderValue::from_static("text/xml; charset=utf-8"),
        }
    }

    /// The body bytes of a value in this format. XML is rendered from the same JSON tree,
    /// with the resource's objectType as the root element.
    pub fn bytes<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<u8>, serde_json::Error> {
        match self {
            Format::Json | Format::TextJson => serde_json::to_vec(value),
            Format::Xml | Format::TextXml => {
                let tree = serde_json::to_value(value)?;
                Ok(partnerd_wire::to_xml(xml_root(&tree), &tree).into_bytes())
            }
        }
    }

    /// Picks the response format from an `Accept` header; `None` when nothing listed can be
    /// produced. Media ranges are taken in order of their `q` weight, ties in header order.
    pub fn negotiate(accept: Option<&str>) -> Option<Format> {
        let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
            return Some(Format::Json);
        };
        let mut ranges: Vec<(f32, usize, Option<Format>)> = Vec::new();
        for (i, part) in accept.split(',').enumerate() {
            let mut pieces = part.split(';');
            let media = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let q = pieces
                .filter_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .or_else(|| p.trim().strip_prefix("Q="))
                })
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            let format = match media.as_str() {
                "application/json" | "*/*" | "application/*" => Some(Format::Json),
                "text/json" | "text/*" => Some(Format::TextJson),
                "application/xml" => Some(Format::Xml),
                "text/xml" => Some(Format::TextXml),
                _ => None,
            };
            ranges.push((q, i, format));
        }
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges.into_iter().find_map(|(_, _, f)| f)
    }

    /// Encodes a value as a complete response.
    pub fn encode<T: Serialize + ?Sized>(self, status: StatusCode, value: &T) -> Response {
        match self.bytes(value) {
            Ok(bytes) => {
                let mut response = Response::new(Body::from(bytes));
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, self.content_type());
                response
            }
            Err(e) => {
                tracing::error!(error = %e, "response encoding failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// The root element of a resource in XML: its objectType (`ResourceCollection` for pages,
/// `ApiFault` for errors, `boolean` and `string` for a bare value).
fn xml_root(tree: &serde_json::Value) -> &'static str {
    match tree {
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Object(map) => {
            match map
                .get("attributes")
                .and_then(|a| a.get("objectType"))
                .and_then(|o| o.as_str())
            {
                Some("Collection") => "ResourceCollection",
                Some("Customer") => "Customer",
                Some("CustomerBillingProfile") => "CustomerBillingProfile",
                Some("CustomerCompanyProfile") => "CustomerCompanyProfile",
                Some("PartnerRelationship") => "PartnerRelationship",
                Some("Subscription") => "Subscription",
                Some("CustomerUser") => "CustomerUser",
                Some("DirectoryRole") => "DirectoryRole",
                Some("UserMember") => "UserMember",
                _ if map.contains_key("code") && map.contains_key("description") => "ApiFault",
                _ => "Response",
            }
        }
        _ => "Response",
    }
}

/// A typed success reply: status, body, and an optional ETag.
pub struct Reply<T> {
    status: StatusCode,
    format: Format,
    body: T,
    etag: Option<i64>,
}

impl<T: Serialize> Reply<T> {
    /// `200 OK` with `body`.
    pub fn ok(format: Format, body: T) -> Self {
        Self::with_status(StatusCode::OK, format, body)
    }

    /// Any status with `body`.
    pub fn with_status(status: StatusCode, format: Format, body: T) -> Self {
        Self {
            status,
            format,
            body,
            etag: None,
        }
    }

    /// Adds a quoted `ETag` header.
    pub fn etag(mut self, etag: i64) -> Self {
        self.etag = Some(etag);
        self
    }

    /// The response as bytes and headers: what is sent, and what an idempotent retry replays.
    pub fn into_stored(self) -> StoredResponse {
        let body = match self.format.bytes(&self.body) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!(error = %e, "response encoding failed");
                return StoredResponse {
                    status: 500,
                    headers: Vec::new(),
                    body: Vec::new(),
                };
            }
        };
        let mut headers = vec![(
            header::CONTENT_TYPE.as_str().to_owned(),
            self.format
                .content_type()
                .to_str()
                .unwrap_or_default()
                .to_owned(),
        )];
        if let Some(etag) = self.etag {
            headers.push((header::ETAG.as_str().to_owned(), format!("\"{etag}\"")));
        }
        StoredResponse {
            status: self.status.as_u16(),
            headers,
            body,
        }
    }
}

impl<T: Serialize> IntoResponse for Reply<T> {
    /// Straight to a response (no detour through [`StoredResponse`]): this is the hot path.
    fn into_response(self) -> Response {
        let mut response = self.format.encode(self.status, &self.body);
        if let Some(etag) = self.etag {
            if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
                response.headers_mut().insert(header::ETAG, v);
            }
        }
        response
    }
}

/// A stored response as an HTTP response.
pub fn stored_to_response(stored: StoredResponse) -> Response {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() =
        StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn negotiation_follows_the_contract() {
        assert_eq!(Format::negotiate(None), Some(Format::Json));
        assert_eq!(Format::negotiate(Some("*/*")), Some(Format::Json));
        assert_eq!(
            Format::negotiate(Some("application/json")),
            Some(Format::Json)
        );
        assert_eq!(Format::negotiate(Some("text/json")), Some(Format::TextJson));
        assert_eq!(
            Format::negotiate(Some("text/html, text/json;q=0.5, application/json;q=0.9")),
            Some(Format::Json)
        );
        assert_eq!(Format::negotiate(Some("image/png")), None);
        assert_eq!(Format::negotiate(Some("application/json;q=0")), None);
    }
}
