//! Path parameters whose rejections speak the contract: a segment that cannot be decoded
//! (bad percent-encoding, invalid UTF-8) is 400/800002, never axum's plain-text answer, and an
//! id that is not a GUID is 400/2000. Handlers receive typed ids, parsed once here.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use partnerd_store::NotAGuid;

use crate::http::error::ApiError;

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

/// Every parameter of a route, in order, as text: for routes with more than two.
pub struct Segments(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for Segments {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<Vec<String>>::from_request_parts(parts, state)
            .await
            .map(|Path(s)| Segments(s))
            .map_err(|e| ApiError::malformed(format!("The path is invalid: {e}.")))
    }
}

/// An id from the path ([`partnerd_store::CustomerId`], [`partnerd_store::TenantId`]): a
/// GUID in any casing, kept canonical; anything else is 400/2000 before the handler runs.
pub struct PathId<T>(pub T);

impl<S, T> FromRequestParts<S> for PathId<T>
where
    S: Send + Sync,
    T: FromStr<Err = NotAGuid>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Segment(raw) = Segment::from_request_parts(parts, state).await?;
        raw.parse().map(PathId).map_err(|_| ApiError::not_a_guid())
    }
}

/// A customer id and the id of something under it (`/customers/{id}/subscriptions/{sub}`):
/// the customer id is a GUID (400/2000 otherwise), the other is text.
pub struct CustomerChild(pub partnerd_store::CustomerId, pub String);

impl<S: Send + Sync> FromRequestParts<S> for CustomerChild {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((customer, child)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::malformed(format!("The path is invalid: {e}.")))?;
        let customer = customer.parse().map_err(|_| ApiError::not_a_guid())?;
        Ok(CustomerChild(customer, child))
    }
}

/// The first query parameter called `name` (in any casing), trimmed; `None` when absent or
/// empty.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Checks an optional ETag precondition of a write no client is required to make: the
/// `If-Match` header, else the body's `attributes.etag`, must match `current` when one is
/// given (`*` matches anything), compared without quotes or a weak prefix; 400/2055 when not.
pub fn check_optional_etag(
    headers: &axum::http::HeaderMap,
    body_etag: Option<&str>,
    current: Option<&str>,
) -> Result<(), ApiError> {
    let given = headers
        .get(axum::http::header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or_default())
        .or(body_etag)
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "*");
    let bare = |e: &str| {
        e.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    match given {
        Some(given) if Some(bare(given)) != current.map(bare) => Err(ApiError::etag_mismatch()),
        _ => Ok(()),
    }
}
