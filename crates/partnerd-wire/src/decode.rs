//! Lenient decoding of request bodies into wire types.
//!
//! Every input format (JSON here; XML and forms build the same tree) is first read into a
//! `serde_json::Value`, then normalised: property names are rewritten to their canonical
//! camelCase spelling, and explicit nulls and empty strings of optional text properties are
//! dropped (both mean "not given"). Only then is the tree decoded into a typed value, so the
//! rules hold the same for every format.
//!
//! A property given twice in one object, in any casing (`{"email":"a","Email":"b"}`), is an
//! error in every format. For JSON it is caught while the text is parsed ([`parse_json`]):
//! `serde_json::Value` keeps only the last of two equal keys, and [`normalise`] folds two
//! casings into one, so neither could tell afterwards.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::names;
use crate::strict::Strict;

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
    decode_value(parse_json(body)?)
}

/// Reads a JSON body into the tree every format decodes through. An empty body, malformed
/// JSON and a property given twice in one object, in any casing, are errors; the last names
/// the property's path (`billingProfile.email`).
pub fn parse_json(body: &[u8]) -> Result<Value, DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError {
            path: String::new(),
            message: "the body is empty".to_owned(),
        });
    }
    // serde_json's error type carries no path, so the visitor leaves the duplicate it found
    // here and aborts the parse with a placeholder error.
    let duplicate = RefCell::new(None);
    let mut reader = serde_json::Deserializer::from_slice(body);
    let parsed = Tree {
        at: At::Root,
        duplicate: &duplicate,
    }
    .deserialize(&mut reader)
    .and_then(|value| reader.end().map(|()| value));
    parsed.map_err(|e| {
        duplicate.take().unwrap_or_else(|| DecodeError {
            path: String::new(),
            message: format!("not valid JSON ({e})"),
        })
    })
}

/// The error for a property given more than once in one object, in any casing.
pub(crate) fn given_twice(path: String) -> DecodeError {
    DecodeError {
        path,
        message: "it is given more than once".to_owned(),
    }
}

/// Where a JSON value sits, as a chain up to the root; written out only for an error, so the
/// parse of a valid body allocates no paths.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Property(&'a At<'a>, &'a str),
    Item(&'a At<'a>, usize),
}

impl At<'_> {
    /// The dotted path, with known property names in their canonical spelling.
    fn path(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match *self {
            At::Root => {}
            At::Property(parent, name) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(names::canonical(name).unwrap_or(name));
            }
            At::Item(parent, index) => {
                parent.write(out);
                out.push_str(&format!("[{index}]"));
            }
        }
    }
}

/// Builds the same `Value` as `serde_json` does, refusing a key that equals an earlier key of
/// the same object in any ASCII casing (property names are matched that way).
struct Tree<'a> {
    at: At<'a>,
    duplicate: &'a RefCell<Option<DecodeError>>,
}

impl<'de> DeserializeSeed<'de> for Tree<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tree<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        DeserializeSeed::deserialize(self, deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Tree {
            at: At::Item(&self.at, items.len()),
            duplicate: self.duplicate,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // Objects are small (a dozen properties at most), so a scan beats hashing.
            if out.keys().any(|k| k.eq_ignore_ascii_case(&key)) {
                let path = At::Property(&self.at, &key).path();
                *self.duplicate.borrow_mut() = Some(given_twice(path));
                return Err(de::Error::custom("a property is given more than once"));
            }
            let value = map.next_value_seed(Tree {
                at: At::Property(&self.at, &key),
                duplicate: self.duplicate,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Decodes an already-parsed tree leniently into `T`.
pub fn decode_value<T: DeserializeOwned>(value: Value) -> Result<T, DecodeError> {
    let value = normalise(value);
    // Tracking the path costs on every value; most bodies are valid, so decode without it
    // first and only retrace the way to the offending property when decoding fails.
    if let Ok(decoded) = T::deserialize(Strict(&value)) {
        return Ok(decoded);
    }
    serde_path_to_error::deserialize(Strict(&value)).map_err(|e| {
        let path = e.path().to_string();
        DecodeError {
            path: if path == "." { String::new() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// Canonical property names, nulls and empty strings of optional text properties
/// ([`names::OPTIONAL_TEXT_PROPERTIES`]) dropped, recursively.
///
/// Both drops mean "not given": .NET clients send `null` for what they leave unset, and
/// PowerShell sends `""` (`Region = ""`). An empty string stays where a property's type needs
/// text (a link's `uri`, a fault's `description`), so typed decoding still sees it.
pub fn normalise(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                if v.as_str() == Some("") && names::is_one_of(names::OPTIONAL_TEXT_PROPERTIES, &k) {
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
    fn empty_optional_text_is_not_given() {
        let body = br#"{"companyProfile":{"domain":"","organizationRegistrationNumber":""},
            "billingProfile":{"FirstName":"","email":"e@x.com","DefaultAddress":{"Region":"","Country":"GB","AddressLine2":""}},
            "associatedPartnerId":"","userCredentials":{"password":""}}"#;
        let c: Customer = decode_json(body).unwrap();
        assert_eq!(c.company_profile, Some(CustomerCompanyProfile::default()));
        let b = c.billing_profile.unwrap();
        assert_eq!(b.first_name, None);
        assert_eq!(b.email.as_deref(), Some("e@x.com"));
        let a = b.default_address.unwrap();
        assert_eq!(
            (a.region, a.address_line2, a.country.as_deref()),
            (None, None, Some("GB"))
        );
        assert_eq!(c.associated_partner_id, None);
        assert_eq!(c.user_credentials, Some(UserCredentials::default()));
        // Whitespace is not empty: validation judges it.
        let p: CustomerBillingProfile = decode_json(br#"{"firstName":" "}"#).unwrap();
        assert_eq!(p.first_name.as_deref(), Some(" "));
        // Text a type requires keeps its empty string, and an empty enum is no member.
        let link: Link = decode_json(br#"{"uri":"","method":"GET"}"#).unwrap();
        assert_eq!(link.uri, "");
        let err = decode_json::<Customer>(br#"{"relationshipToPartner":""}"#).unwrap_err();
        assert_eq!(err.path, "relationshipToPartner");
        // Array items are not properties.
        let c: Customer = decode_json(br#"{"customDomains":[""]}"#).unwrap();
        assert_eq!(c.custom_domains, Some(vec![String::new()]));
        // The normalised tree (which fingerprints requests) drops them too.
        use serde_json::json;
        assert_eq!(
            normalise(json!({"Region": "", "Uri": "", "other": ""})),
            json!({"uri": "", "other": ""})
        );
    }

    #[test]
    fn a_property_given_twice_is_refused_in_any_casing() {
        for (body, path) in [
            (r#"{"email":"a","email":"b"}"#, "email"),
            (r#"{"email":"a","Email":"b"}"#, "email"),
            (r#"{"email":null,"EMAIL":"b"}"#, "email"),
            (
                r#"{"billingProfile":{"EMAIL":"a","culture":"en","eMail":"b"}}"#,
                "billingProfile.email",
            ),
            (
                r#"{"billingProfile":{"email":"a"},"BillingProfile":{"culture":"en"}}"#,
                "billingProfile",
            ),
            (
                r#"{"items":[{"id":"1"},{"id":"2","ID":"3"}]}"#,
                "items[1].id",
            ),
            (r#"{"unknown":1,"UNKNOWN":2}"#, "UNKNOWN"),
        ] {
            let err = parse_json(body.as_bytes()).unwrap_err();
            assert_eq!(err.path, path, "{body}");
            assert_eq!(
                err.to_string(),
                format!("Property '{path}' is invalid: it is given more than once"),
                "{body}"
            );
            assert_eq!(
                decode_json::<Customer>(body.as_bytes()).unwrap_err(),
                err,
                "{body}"
            );
        }
    }

    #[test]
    fn repeated_items_and_names_in_other_objects_are_no_duplicates() {
        let body = br#"{"customDomains":["a","a"],"items":[{"id":"1"},{"ID":"1"}],
            "billingProfile":{"email":"a","defaultAddress":{"email":"b"}},"email":"c"}"#;
        assert_eq!(
            parse_json(body).unwrap(),
            serde_json::from_slice::<Value>(body).unwrap()
        );
    }

    #[test]
    fn parsing_gives_what_serde_json_gives() {
        let page = serde_json::to_string(&crate::fixtures::full_page()).unwrap();
        let scalars = r#"[1,-2,1.5,18446744073709551615,-9223372036854775808,1e300,true,false,null,"\u00e9\n",{}]"#;
        for text in [page.as_str(), scalars, "\"x\"", " 7 "] {
            assert_eq!(
                parse_json(text.as_bytes()).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
        // Malformed text is reported as JSON, at the body; nesting is bounded, not a crash.
        for bad in ["{", "{} {}", "{\"a\":}", "[1,]", "nul"] {
            let err = parse_json(bad.as_bytes()).unwrap_err();
            assert_eq!(err.path, "", "{bad}");
            assert!(err.message.starts_with("not valid JSON"), "{bad}: {err}");
        }
        assert!(parse_json("[".repeat(100_000).as_bytes()).is_err());
        assert!(parse_json(b" \n ").unwrap_err().message.contains("empty"));
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
