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
    // Tracking the path costs on every value; most bodies are valid, so decode without it
    // first and only retrace the way to the offending property when decoding fails.
    if let Ok(decoded) = T::deserialize(&value) {
        return Ok(decoded);
    }
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
                // Most keys arrive in canonical spelling: reuse them rather than reallocate.
                let key = match names::canonical(&k) {
                    Some(canonical) if canonical != k => canonical.to_owned(),
                    _ => k,
                };
                out.insert(key, normalise(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalise).collect()),
        other => other,
    }
}

/// The JSON value of a text leaf of an XML or form body, named by its property.
///
/// The text formats carry every value as text, and typed decoding of a `bool` or an `i64` does
/// not accept a JSON string. So the text of a property listed in
/// [`names::BOOLEAN_PROPERTIES`] becomes a JSON boolean and the text of one listed in
/// [`names::INTEGER_PROPERTIES`] a JSON number, when the text reads as one. Everything else,
/// and text that does not read as its property's type, stays a string, so typed decoding
/// reports the property by its path.
pub(crate) fn text_leaf(property: &str, text: String) -> Value {
    if names::is_one_of(names::BOOLEAN_PROPERTIES, property) {
        if let Some(b) = parse_bool(&text) {
            return Value::Bool(b);
        }
    } else if names::is_one_of(names::INTEGER_PROPERTIES, property) {
        if let Some(n) = parse_integer(&text) {
            return Value::Number(n);
        }
    }
    Value::String(text)
}

/// `true`/`false` in any casing or `1`/`0` (the XML Schema spellings), surrounding spaces allowed.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// A decimal integer that fits `i64` or `u64`, surrounding spaces allowed.
pub(crate) fn parse_integer(text: &str) -> Option<serde_json::Number> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        Some(n.into())
    } else {
        t.parse::<u64>().ok().map(Into::into)
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

    #[test]
    fn text_leaves_are_typed_by_property() {
        use serde_json::json;
        assert_eq!(
            text_leaf("AllowDelegatedAccess", "FALSE".into()),
            json!(false)
        );
        assert_eq!(text_leaf("allowDelegatedAccess", " 1 ".into()), json!(true));
        assert_eq!(
            text_leaf("allowDelegatedAccess", "maybe".into()),
            json!("maybe")
        );
        assert_eq!(text_leaf("totalCount", "12".into()), json!(12));
        assert_eq!(text_leaf("code", "-3".into()), json!(-3));
        assert_eq!(
            text_leaf("code", "18446744073709551615".into()),
            json!(u64::MAX)
        );
        assert_eq!(text_leaf("code", "1e3".into()), json!("1e3"));
        assert_eq!(text_leaf("companyName", "true".into()), json!("true"));
        assert_eq!(text_leaf("etag", "-42".into()), json!("-42"));
    }
}
