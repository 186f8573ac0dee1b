//! Lenient decoding of request bodies into wire types.
//!
//! Every input format (JSON now; XML and forms build the same tree) is first read into a
//! `serde_json::Value`, then normalised: property names are rewritten to their canonical
//! camelCase spelling and explicit nulls are dropped (null means "not given"). Only then is the
//! tree decoded into a typed value, so the rules hold the same for every format.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::names;

/// Why a body could not be decoded, with the path of the offending property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Dotted path of the property (`billingProfile.defaultAddress.city`), empty for the body.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "The request body is invalid: {}", self.message)
        } else {
            write!(f, "Property '{}' is invalid: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a JSON body leniently into `T`.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError {
            path: String::new(),
            message: "the body is empty".to_owned(),
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| DecodeError {
        path: String::new(),
        message: format!("not valid JSON ({e})"),
    })?;
    decode_value(value)
}

/// Decodes an already-parsed tree leniently into `T`.
pub fn decode_value<T: DeserializeOwned>(value: Value) -> Result<T, DecodeError> {
    let value = normalise(value);
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        DecodeError {
            path: if path == "." { String::new() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// Canonical property names, nulls dropped, recursively.
pub fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                let key = names::canonical(&k).map_or(k, str::to_owned);
                out.insert(key, normalise(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    #[test]
    fn pascal_case_with_nulls_decodes() {
        let body = br#"{"Id":"a","FirstName":"F","Email":"e@x.com","DefaultAddress":{"Country":"US","Region":null,"AddressLine1":"One Way"},
            "Links":{"Self":{"Uri":"/x","Method":"GET","Headers":[]}},"Attributes":{"Etag":"-42","ObjectType":"CustomerBillingProfile"}}"#;
        let p: CustomerBillingProfile = decode_json(body).unwrap();
        assert_eq!(p.first_name.as_deref(), Some("F"));
        let a = p.default_address.unwrap();
        assert_eq!(a.region, None);
        assert_eq!(a.address_line1.as_deref(), Some("One Way"));
        assert_eq!(p.attributes.unwrap().etag.as_deref(), Some("-42"));
    }

    #[test]
    fn wrong_type_names_the_path() {
        let err = decode_json::<Customer>(br#"{"BillingProfile":{"DefaultAddress":{"City":5}}}"#)
            .unwrap_err();
        assert_eq!(err.path, "billingProfile.defaultAddress.city");
    }

    #[test]
    fn malformed_and_empty_bodies_are_errors() {
        assert!(decode_json::<Customer>(b"{").is_err());
        assert!(decode_json::<Customer>(b"  ").is_err());
        assert!(decode_json::<Customer>(b"[1]").is_err());
    }

    #[test]
    fn read_only_links_of_any_shape_are_ignored() {
        let c: Customer = decode_json(br#"{"links":"whatever","attributes":7}"#).unwrap();
        assert_eq!(c.links, None);
        assert_eq!(c.attributes, None);
    }
}
