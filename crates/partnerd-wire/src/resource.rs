//! Attributes and links every Partner Center resource carries.

use serde::{Deserialize, Deserializer, Serialize};

/// `attributes`: the object type of a resource and, for versioned resources, its ETag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceAttributes {
    /// Concurrency token; a signed 64-bit integer written in decimal.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "etag_string"
    )]
    pub etag: Option<String>,
    /// The .NET class name of the resource (`Customer`, `CustomerBillingProfile`, ...).
    /// Read-only: ignored on input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
}

impl ResourceAttributes {
    /// Attributes of an unversioned resource.
    pub fn of(object_type: &str) -> Self {
        Self {
            etag: None,
            object_type: Some(object_type.to_owned()),
        }
    }

    /// Attributes of a versioned resource.
    pub fn with_etag(object_type: &str, etag: impl Into<String>) -> Self {
        Self {
            etag: Some(etag.into()),
            object_type: Some(object_type.to_owned()),
        }
    }
}

/// Clients send the ETag as a string; a bare integer is accepted as the same value.
fn etag_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(i64),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|raw| match raw {
        Raw::Text(s) => s,
        Raw::Number(n) => n.to_string(),
    }))
}

/// One header of a [`Link`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct KeyValuePair {
    /// Header name.
    pub key: String,
    /// Header value.
    pub value: String,
}

/// A request a client can make to reach a related resource or page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// Path and query, relative to the service root, without the version prefix.
    pub uri: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Headers to send with the request; always present, empty when none.
    #[serde(default)]
    pub headers: Vec<KeyValuePair>,
}

impl Link {
    /// A plain `GET` link with no headers.
    pub fn get(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            method: "GET".to_owned(),
            headers: Vec::new(),
        }
    }
}

/// `links` of a resource or collection; absent members are omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceLinks {
    /// The resource itself.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<Link>,
    /// The next page of a collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    /// The previous page of a collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Link>,
}

impl ResourceLinks {
    /// Links holding only `self`.
    pub fn to_self(uri: impl Into<String>) -> Self {
        Self {
            self_link: Some(Link::get(uri)),
            ..Self::default()
        }
    }
}

/// Reads a read-only property (`links`, `attributes` of most resources) if it has the expected
/// shape, and treats anything else as absent: clients echo these back in whatever shape they
/// hold them, and the server never acts on them.
pub(crate) fn read_only<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let raw = serde_json::Value::deserialize(d)?;
    // Read as every body is: an array is no object here either.
    Ok(T::deserialize(crate::strict::Strict(&raw)).ok())
}
