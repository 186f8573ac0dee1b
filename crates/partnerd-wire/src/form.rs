//! `application/x-www-form-urlencoded` bodies, read into the same JSON tree as JSON bodies so
//! they go through the same lenient decoding ([`decode_value`](crate::decode_value)).
//!
//! # Rules
//!
//! - Pairs are separated by `&`; empty pairs are skipped. A key without `=` has the empty
//!   value. `+` is a space and `%XX` a byte, in keys and values alike; the decoded bytes must be
//!   UTF-8 (anything else is an error, never a replacement character). Whitespace around the
//!   whole body is ignored; a body with no pair at all is an error, as an empty JSON body is.
//! - A key is a property path. It starts with a property name; each further segment is
//!   `.name` or `[name]`, in any mix (`BillingProfile.DefaultAddress.Country`,
//!   `billingProfile[defaultAddress][country]`, `billingProfile[defaultAddress].country`).
//!   Names are matched in any casing: `DefaultAddress.City` and `defaultAddress[country]` fill
//!   the same object. A bracketed name is taken whole (it may contain `.`).
//! - A segment of only ASCII digits, bracketed or dotted (`customDomains[0]`,
//!   `customDomains.0`), is an array index; `[]` appends a new item after the highest index
//!   given so far. Items come out in index order and gaps are closed up: indexes 0, 2 and 7
//!   give an array of three items. An index must fit in 64 bits. At most [`MAX_DEPTH`]
//!   segments make a key.
//! - Every key must agree with every other on the shape it gives each path: a path given both
//!   a value and properties (`a=1&a.b=2`), both properties and indexes (`a.b=1&a[0]=2`), or a
//!   value twice (`a=1&A=2`, `a[01]=x&a[1]=y`) is a [`DecodeError`] naming that path.
//! - A value is a string, except the value of a property in
//!   [`BOOLEAN_PROPERTIES`](crate::names::BOOLEAN_PROPERTIES) (`allowDelegatedAccess`) that reads
//!   as a boolean (`true`/`false` in any casing, `1`/`0`), which is a JSON boolean, and that of a
//!   property in [`INTEGER_PROPERTIES`](crate::names::INTEGER_PROPERTIES) (`totalCount`, `code`)
//!   that reads as an integer, which is a JSON number. Enums need nothing of the kind: their
//!   decoding reads any spelling from a string (`relationshipToPartner=none`).
//! - An empty value is null, which decoding reads as "not given" (as ASP.NET's model binding
//!   does, so a form that sends every field, filled or not, means what it shows). An empty
//!   array item is null too, which typed decoding refuses for an array of strings.

use std::collections::BTreeMap;

use percent_encoding::percent_decode;
use serde_json::{Map, Value};

use crate::decode::{self, DecodeError};
use crate::names;

/// The most segments a key may have.
pub const MAX_DEPTH: usize = 32;

/// Parses a form body into the JSON tree of the properties its keys name, ready for
/// [`decode_value`](crate::decode_value). See the [module documentation](self) for the rules.
pub fn from_form(bytes: &[u8]) -> Result<Value, DecodeError> {
    let body = bytes.trim_ascii();
    let mut root = Slot::Object(BTreeMap::new());
    let mut pairs = 0usize;
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        pairs += 1;
        let (raw_key, raw_value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let key = decode_component(raw_key).ok_or_else(|| DecodeError {
            path: String::new(),
            message: "a form key is not UTF-8 once percent-decoded".to_owned(),
        })?;
        let segments = parse_key(&key).map_err(|message| DecodeError {
            path: String::new(),
            message: format!("the form key `{key}` is not a property path: {message}"),
        })?;
        let value = decode_component(raw_value).ok_or_else(|| DecodeError {
            path: display_path(&segments),
            message: "the value is not UTF-8 once percent-decoded".to_owned(),
        })?;
        insert(&mut root, &segments, value)?;
    }
    if pairs == 0 {
        return Err(DecodeError {
            path: String::new(),
            message: "the body is empty".to_owned(),
        });
    }
    Ok(slot_value(root))
}

/// `+` as space, then percent-decoding; `None` when the result is not UTF-8.
fn decode_component(raw: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// One step of a key's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// A property name, in the spelling given.
    Name(String),
    /// An array index.
    Index(u64),
    /// `[]`: a new item after the last.
    Append,
}

fn segment(text: &str) -> Result<Segment, String> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse()
            .map(Segment::Index)
            .map_err(|_| format!("the index {text} is too large"))
    } else {
        Ok(Segment::Name(text.to_owned()))
    }
}

fn parse_key(key: &str) -> Result<Vec<Segment>, String> {
    const DELIMITERS: [char; 3] = ['.', '[', ']'];
    let end = key.find(DELIMITERS).unwrap_or(key.len());
    let first = &key[..end];
    if first.is_empty() {
        return Err("it does not start with a property name".to_owned());
    }
    let mut segments = vec![segment(first)?];
    if !matches!(segments[0], Segment::Name(_)) {
        return Err("it starts with an index, but the body is an object".to_owned());
    }
    let mut rest = &key[end..];
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(DELIMITERS).unwrap_or(after.len());
            if end == 0 {
                return Err("a `.` is not followed by a name".to_owned());
            }
            segments.push(segment(&after[..end])?);
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after
                .find([']', '['])
                .filter(|&i| after[i..].starts_with(']'))
                .ok_or_else(|| "a `[` is not closed by `]`".to_owned())?;
            let inner = &after[..end];
            segments.push(if inner.is_empty() {
                Segment::Append
            } else {
                segment(inner)?
            });
            rest = &after[end + 1..];
            if !(rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')) {
                return Err("a `]` is followed by neither `.` nor `[`".to_owned());
            }
        } else {
            return Err("a `]` has no `[`".to_owned());
        }
        if segments.len() > MAX_DEPTH {
            return Err(format!("it has more than {MAX_DEPTH} segments"));
        }
    }
    Ok(segments)
}

/// The dotted path of a key's segments as written, with canonical names.
fn display_path(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Name(name) => push_name(&mut path, name),
            Segment::Index(i) => path.push_str(&format!("[{i}]")),
            Segment::Append => path.push_str("[]"),
        }
    }
    path
}

fn push_name(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(names::canonical(name).unwrap_or(name));
}

/// A node of the tree being built.
enum Slot {
    /// Just created; given its shape at once.
    New,
    /// A value.
    Leaf(Value),
    /// Properties by lower-cased name: (the name to write, the value).
    Object(BTreeMap<String, (String, Slot)>),
    /// Items by index.
    Array(BTreeMap<u64, Slot>),
}

/// What a key asks of a path: what the next segment, if any, needs there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Value,
    Properties,
    Items,
}

impl Shape {
    fn of(slot: &Slot) -> Option<Shape> {
        match slot {
            Slot::New => None,
            Slot::Leaf(_) => Some(Shape::Value),
            Slot::Object(_) => Some(Shape::Properties),
            Slot::Array(_) => Some(Shape::Items),
        }
    }

    fn wanted_after(next: Option<&Segment>) -> Shape {
        match next {
            None => Shape::Value,
            Some(Segment::Name(_)) => Shape::Properties,
            Some(Segment::Index(_) | Segment::Append) => Shape::Items,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::Value => "a value",
            Shape::Properties => "properties",
            Shape::Items => "array items",
        }
    }
}

fn conflict(path: &str, had: Shape, wanted: Shape) -> DecodeError {
    // The same shape twice is a value given twice (objects and arrays are filled by many
    // keys), which every format reports alike.
    if had == wanted {
        return decode::given_twice(path.to_owned());
    }
    DecodeError {
        path: path.to_owned(),
        message: format!(
            "the form gives this property both {} and {}",
            had.describe(),
            wanted.describe()
        ),
    }
}

/// Puts `value` at the path `segments` in the tree under `root` (an object).
fn insert(root: &mut Slot, segments: &[Segment], value: String) -> Result<(), DecodeError> {
    let mut path = String::new();
    // The property name that types the leaf: the last name on the path.
    let mut property = "";
    let mut slot = root;
    for (i, segment) in segments.iter().enumerate() {
        let child = match (slot, segment) {
            (Slot::Object(map), Segment::Name(name)) => {
                property = name;
                let (display, child) = map.entry(name.to_ascii_lowercase()).or_insert_with(|| {
                    let display = names::canonical(name).unwrap_or(name);
                    (display.to_owned(), Slot::New)
                });
                // The first spelling given (canonical for known names) names it in errors.
                push_name(&mut path, display);
                child
            }
            (Slot::Array(items), Segment::Index(index)) => {
                path.push_str(&format!("[{index}]"));
                items.entry(*index).or_insert(Slot::New)
            }
            (Slot::Array(items), Segment::Append) => {
                let index = match items.keys().next_back() {
                    None => 0,
                    Some(last) => last.checked_add(1).ok_or_else(|| DecodeError {
                        path: path.clone(),
                        message: "no index is left to append at".to_owned(),
                    })?,
                };
                path.push_str(&format!("[{index}]"));
                items.entry(index).or_insert(Slot::New)
            }
            (other, segment) => {
                // Each slot's shape is checked against the next segment before descending and
                // the root is an object whose first segment is a name, so this is reachable
                // only through a bug; it still answers with an error rather than a panic.
                let had = Shape::of(other).unwrap_or(Shape::Value);
                return Err(conflict(&path, had, Shape::wanted_after(Some(segment))));
            }
        };
        let wanted = Shape::wanted_after(segments.get(i + 1));
        match Shape::of(child) {
            None => {
                *child = match wanted {
                    Shape::Value => Slot::Leaf(leaf(property, &value)),
                    Shape::Properties => Slot::Object(BTreeMap::new()),
                    Shape::Items => Slot::Array(BTreeMap::new()),
                };
            }
            Some(had) if had == wanted && had != Shape::Value => {}
            Some(had) => return Err(conflict(&path, had, wanted)),
        }
        slot = child;
    }
    Ok(())
}

fn leaf(property: &str, value: &str) -> Value {
    if value.is_empty() {
        Value::Null
    } else {
        decode::text_leaf(property, value.to_owned())
    }
}

fn object_value(map: BTreeMap<String, (String, Slot)>) -> Value {
    Value::Object(
        map.into_values()
            .map(|(name, slot)| (name, slot_value(slot)))
            .collect::<Map<_, _>>(),
    )
}

fn slot_value(slot: Slot) -> Value {
    match slot {
        Slot::New => Value::Null,
        Slot::Leaf(value) => value,
        Slot::Object(map) => object_value(map),
        Slot::Array(items) => Value::Array(items.into_values().map(slot_value).collect()),
    }
}

#[cfg(test)]
mod tests {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;
    use crate::*;

    fn decode_form<T: DeserializeOwned>(body: &str) -> Result<T, DecodeError> {
        decode_value(from_form(body.as_bytes())?)
    }

    fn form_error(body: &str) -> DecodeError {
        from_form(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn a_customer_create_in_mixed_styles() {
        let body = "CompanyProfile.Domain=contoso.onmicrosoft.com\
            &BillingProfile.Email=admin%40contoso.example\
            &billingProfile[culture]=EN-us&BILLINGPROFILE.Language=en\
            &BillingProfile.CompanyName=Contoso+%26+Sons\
            &BillingProfile.DefaultAddress.Country=US\
            &billingProfile[defaultAddress][city]=Redmond\
            &billingProfile[defaultAddress].AddressLine1=1+Microsoft+Way\
            &billingprofile.DEFAULTADDRESS[postalCode]=98052\
            &BillingProfile%5BDefaultAddress%5D%5BState%5D=WA\
            &BillingProfile.DefaultAddress.Region=\
            &unknownThing[deep]=ignored\
            &&";
        let c: Customer = decode_form(body).unwrap();
        let expected = Customer {
            company_profile: Some(CustomerCompanyProfile {
                domain: Some("contoso.onmicrosoft.com".into()),
                ..Default::default()
            }),
            billing_profile: Some(CustomerBillingProfile {
                email: Some("admin@contoso.example".into()),
                culture: Some("EN-us".into()),
                language: Some("en".into()),
                company_name: Some("Contoso & Sons".into()),
                default_address: Some(Address {
                    country: Some("US".into()),
                    city: Some("Redmond".into()),
                    address_line1: Some("1 Microsoft Way".into()),
                    postal_code: Some("98052".into()),
                    state: Some("WA".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(c, expected);
        // The tree names known properties canonically.
        let tree = from_form(b"BillingProfile.DefaultAddress.Country=US&Other.Thing=x").unwrap();
        assert_eq!(
            tree,
            json!({"billingProfile": {"defaultAddress": {"country": "US"}}, "Other": {"Thing": "x"}})
        );
    }

    #[test]
    fn booleans_numbers_and_enums() {
        for (text, expected) in [
            ("false", false),
            ("False", false),
            ("0", false),
            ("true", true),
            ("TRUE", true),
            ("1", true),
        ] {
            let c: Customer = decode_form(&format!("allowDelegatedAccess={text}")).unwrap();
            assert_eq!(c.allow_delegated_access, Some(expected), "{text}");
        }
        let c: Customer =
            decode_form("RelationshipToPartner=none&AllowDelegatedAccess=false").unwrap();
        assert_eq!(
            c.relationship_to_partner,
            Some(CustomerPartnerRelationship::None)
        );
        assert_eq!(c.allow_delegated_access, Some(false));
        let c: Customer = decode_form("relationshipToPartner=MicrosoftSupport").unwrap();
        assert_eq!(
            c.relationship_to_partner,
            Some(CustomerPartnerRelationship::MicrosoftSupport)
        );
        let err = decode_form::<Customer>("allowDelegatedAccess=maybe").unwrap_err();
        assert_eq!(err.path, "allowDelegatedAccess");
        let fault: ApiFault =
            decode_form("code=2055&description=Etag+is+no+longer+valid.").unwrap();
        assert_eq!(fault.code, 2055);
        assert_eq!(
            from_form(b"totalCount=3").unwrap(),
            json!({"totalCount": 3})
        );
        // Strings that look like numbers or booleans stay strings.
        let p: CustomerBillingProfile =
            decode_form("companyName=true&attributes.etag=-42&firstName=0").unwrap();
        assert_eq!(p.company_name.as_deref(), Some("true"));
        assert_eq!(p.first_name.as_deref(), Some("0"));
        assert_eq!(p.attributes.unwrap().etag.as_deref(), Some("-42"));
    }

    #[test]
    fn indexes_make_arrays_in_index_order_with_gaps_closed() {
        assert_eq!(
            from_form(b"customDomains[7]=c&customDomains[0]=a&CustomDomains[2]=b").unwrap(),
            json!({"customDomains": ["a", "b", "c"]})
        );
        assert_eq!(
            from_form(b"customDomains.1=b&customDomains.0=a").unwrap(),
            json!({"customDomains": ["a", "b"]})
        );
        assert_eq!(
            from_form(b"customDomains[]=a&customDomains[]=b&customDomains[5]=c&customDomains[]=d")
                .unwrap(),
            json!({"customDomains": ["a", "b", "c", "d"]})
        );
        assert_eq!(
            from_form(b"links.next.headers[1].value=v2&links.next.headers[0][key]=k1&links.next.headers[1][Key]=k2&links.next.headers[0].value=v1")
                .unwrap(),
            json!({"links": {"next": {"headers": [{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}]}}})
        );
        let c: Customer =
            decode_form("customDomains[1]=b.example&customDomains[0]=a.example").unwrap();
        assert_eq!(
            c.custom_domains,
            Some(vec!["a.example".to_owned(), "b.example".to_owned()])
        );
        // A bracketed name is one segment, dots and all.
        assert_eq!(from_form(b"a[b.c]=1").unwrap(), json!({"a": {"b.c": "1"}}));
        assert_eq!(
            from_form(&format!("a[{}]=x", u64::MAX).into_bytes()).unwrap(),
            json!({"a": ["x"]})
        );
    }

    #[test]
    fn empty_values_are_not_given() {
        let p: CustomerBillingProfile =
            decode_form("firstName=&lastName=L&defaultAddress.region=&email").unwrap();
        assert_eq!(p.first_name, None);
        assert_eq!(p.last_name.as_deref(), Some("L"));
        assert_eq!(p.email, None);
        assert_eq!(p.default_address, Some(Address::default()));
        assert_eq!(
            from_form(b"customDomains[0]=").unwrap(),
            json!({"customDomains": [null]})
        );
        let err = decode_form::<Customer>("customDomains[0]=").unwrap_err();
        assert_eq!(err.path, "customDomains[0]");
    }

    #[test]
    fn decoding_of_plus_percent_and_utf8() {
        assert_eq!(
            from_form("city=S%C3%A3o+Paulo%2B1&na%6De=%E2%82%AC&raw=é %zz".as_bytes()).unwrap(),
            json!({"city": "São Paulo+1", "name": "€", "raw": "é %zz"})
        );
        let err = form_error("billingProfile.city=%FF");
        assert_eq!(err.path, "billingProfile.city");
        assert!(err.message.contains("UTF-8"), "{err}");
        let err = form_error("%FF=1");
        assert_eq!(err.path, "");
        // Surrounding whitespace of the body is not part of the last value.
        assert_eq!(from_form(b"a=1\r\n").unwrap(), json!({"a": "1"}));
    }

    #[test]
    fn conflicting_shapes_name_the_path() {
        for (body, path, message) in [
            (
                "defaultAddress=x&DefaultAddress.City=y",
                "defaultAddress",
                "both a value and properties",
            ),
            (
                "defaultAddress.City=y&defaultAddress=x",
                "defaultAddress",
                "both properties and a value",
            ),
            ("a.b.c=1&A.B=2", "a.b", "both properties and a value"),
            (
                "customDomains[0]=a&customDomains.x=b",
                "customDomains",
                "both array items and properties",
            ),
            (
                "customDomains.x=b&customDomains[0]=a",
                "customDomains",
                "both properties and array items",
            ),
            (
                "customDomains=a&customDomains[0]=a",
                "customDomains",
                "both a value and array items",
            ),
            ("email=a&EMAIL=b", "email", "more than once"),
            ("email=a&email=", "email", "more than once"),
            ("d[01]=a&d[1]=b", "d[1]", "more than once"),
            ("d[0].x=a&d[0]=b", "d[0]", "both properties and a value"),
        ] {
            let err = form_error(body);
            assert_eq!(err.path, path, "{body}: {err}");
            assert!(err.message.contains(message), "{body}: {err}");
        }
    }

    #[test]
    fn a_property_given_twice_is_an_error_but_indexed_items_are_not() {
        for (body, path) in [
            (
                "billingProfile.Email=a&BillingProfile[email]=b",
                "billingProfile.email",
            ),
            (
                "billingProfile[defaultAddress][City]=a&BILLINGPROFILE.defaultaddress.city=b",
                "billingProfile.defaultAddress.city",
            ),
            (
                "companyProfile.domain=a.onmicrosoft.com&companyProfile.Domain=",
                "companyProfile.domain",
            ),
            ("customDomains[0]=a&CustomDomains.0=b", "customDomains[0]"),
        ] {
            let err = form_error(body);
            assert_eq!(err.path, path, "{body}: {err}");
            assert!(err.to_string().contains("more than once"), "{body}: {err}");
        }
        // Items are told apart by their index, so equal items are no duplicates.
        assert_eq!(
            from_form(b"customDomains[0]=a&customDomains[1]=a&CustomDomains[]=a").unwrap(),
            json!({"customDomains": ["a", "a", "a"]})
        );
        assert_eq!(
            from_form(b"items[0].id=1&items[1].ID=1").unwrap(),
            json!({"items": [{"id": "1"}, {"id": "1"}]})
        );
    }

    #[test]
    fn malformed_keys_and_bodies_are_errors() {
        for body in [
            "",
            "  ",
            "&&",
            "=x",
            "a..b=1",
            ".a=1",
            "a.=1",
            "a[b=1",
            "a]=1",
            "a[b]c=1",
            "[0]=x",
            "0=x",
            "a[b[c]]=1",
            "a[99999999999999999999]=x",
        ] {
            assert!(
                from_form(body.as_bytes()).is_err(),
                "{body:?} should be refused"
            );
        }
        let deep = format!("a{}=1", ".b".repeat(MAX_DEPTH));
        assert!(from_form(deep.as_bytes()).is_err());
        let ok = format!("a{}=1", ".b".repeat(MAX_DEPTH - 1));
        from_form(ok.as_bytes()).unwrap();
        let full = format!("a[{}]=x&a[]=y", u64::MAX);
        assert!(form_error(&full).message.contains("append"));
    }

    #[test]
    fn a_key_without_a_value_and_a_value_with_equals() {
        assert_eq!(
            from_form(b"a&b=x=y").unwrap(),
            json!({"a": null, "b": "x=y"})
        );
    }

    /// A tiny deterministic generator for the rendering choices of a proptest case.
    struct Choices(u64);

    impl Choices {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn coin(&mut self) -> bool {
            self.next() & 1 == 1
        }
    }

    enum Step {
        Name(String),
        Index(usize),
    }

    /// Every leaf of `value` with its path.
    fn leaves(
        value: &Value,
        path: &mut Vec<Step>,
        out: &mut Vec<(Vec<String>, String)>,
        rng: &mut Choices,
    ) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    path.push(Step::Name(k.clone()));
                    leaves(v, path, out, rng);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    leaves(v, path, out, rng);
                    path.pop();
                }
            }
            Value::String(s) => out.push((render_key(path, rng), s.clone())),
            other => out.push((render_key(path, rng), other.to_string())),
        }
    }

    /// The key for `path`, each name in random casing, each segment dotted or bracketed at
    /// random, returned as parts so the caller can percent-encode them at random.
    fn render_key(path: &[Step], rng: &mut Choices) -> Vec<String> {
        let mut parts = Vec::new();
        for (i, step) in path.iter().enumerate() {
            let text = match step {
                Step::Name(name) => name
                    .chars()
                    .map(|c| {
                        if rng.coin() {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect(),
                Step::Index(index) => index.to_string(),
            };
            if i == 0 {
                parts.push(text);
            } else if rng.coin() {
                parts.push(".".to_owned());
                parts.push(text);
            } else {
                parts.push("[".to_owned());
                parts.push(text);
                parts.push("]".to_owned());
            }
        }
        parts
    }

    fn encode(text: &str, rng: &mut Choices) -> String {
        let encoded = utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        if rng.coin() {
            encoded.replace("%20", "+")
        } else {
            encoded
        }
    }

    /// Renders a JSON tree as a form: keys in random style and casing, pairs in random order.
    fn render_form(value: &Value, seed: u64) -> String {
        let mut rng = Choices(seed | 1);
        let mut out = Vec::new();
        leaves(value, &mut Vec::new(), &mut out, &mut rng);
        // Fisher–Yates, so indexes and not order make arrays.
        for i in (1..out.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            out.swap(i, j);
        }
        out.iter()
            .map(|(parts, value)| {
                let key: String = parts
                    .iter()
                    .map(|p| {
                        if rng.coin() {
                            encode(p, &mut rng)
                        } else {
                            p.clone()
                        }
                    })
                    .collect();
                format!("{key}={}", encode(value, &mut rng))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// What a form says of a tree, `None` where it renders no pair at all: an empty string is
    /// a key with no value, which is null (the rule for empty values); an object or array none
    /// of whose members renders a pair has no key, so it is absent (and an array item that is
    /// absent is closed up like any gap).
    fn as_a_form_sees_it(value: Value) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::String(s) if s.is_empty() => Some(Value::Null),
            Value::Object(map) => {
                let map: Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, as_a_form_sees_it(v)?)))
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            Value::Array(items) => {
                let items: Vec<Value> = items.into_iter().filter_map(as_a_form_sees_it).collect();
                (!items.is_empty()).then_some(Value::Array(items))
            }
            other => Some(other),
        }
    }

    /// The tree a form of `value` gives: as a form sees it, at least an empty object.
    fn expected_tree(value: Value) -> Value {
        as_a_form_sees_it(value).unwrap_or_else(|| json!({}))
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9 &=+%#;.\\[\\]é€😀]{0,10}",
            Just(String::new()),
        ]
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn billing_profile() -> impl Strategy<Value = CustomerBillingProfile> {
        (
            proptest::collection::vec(opt_text(), 7),
            proptest::collection::vec(opt_text(), 15),
            proptest::option::of((
                text(),
                text(),
                proptest::collection::vec((text(), text()), 0..12),
            )),
            proptest::option::of((opt_text(), opt_text())),
        )
            .prop_map(|(f, a, link, attributes)| CustomerBillingProfile {
                id: f[0].clone(),
                first_name: f[1].clone(),
                last_name: f[2].clone(),
                email: f[3].clone(),
                culture: f[4].clone(),
                language: f[5].clone(),
                company_name: f[6].clone(),
                default_address: Some(Address {
                    id: a[0].clone(),
                    country: a[1].clone(),
                    region: a[2].clone(),
                    city: a[3].clone(),
                    state: a[4].clone(),
                    district: a[5].clone(),
                    address_line1: a[6].clone(),
                    address_line2: a[7].clone(),
                    address_line3: a[8].clone(),
                    postal_code: a[9].clone(),
                    first_name: a[10].clone(),
                    middle_name: a[11].clone(),
                    last_name: a[12].clone(),
                    email_address: a[13].clone(),
                    phone_number: a[14].clone(),
                }),
                links: link.map(|(uri, method, headers)| ResourceLinks {
                    next: Some(Link {
                        uri,
                        method,
                        headers: headers
                            .into_iter()
                            .map(|(key, value)| KeyValuePair { key, value })
                            .collect(),
                    }),
                    ..Default::default()
                }),
                attributes: attributes
                    .map(|(etag, object_type)| ResourceAttributes { etag, object_type }),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_billing_profiles_decode_as_their_json(profile in billing_profile(), seed in any::<u64>()) {
            let json = serde_json::to_value(&profile).unwrap();
            let expected: CustomerBillingProfile =
                decode_value(expected_tree(json.clone())).unwrap();
            let body = render_form(&json, seed);
            // An all-empty profile renders no pair at all, which is an empty body.
            if body.is_empty() {
                prop_assert!(from_form(body.as_bytes()).is_err());
                return Ok(());
            }
            let tree = from_form(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
            let back: CustomerBillingProfile = decode_value(tree).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
            prop_assert_eq!(&back, &expected, "{}", body);

            // The same profile nested in a customer, beside booleans and arrays.
            let customer = Customer {
                billing_profile: Some(profile),
                allow_delegated_access: Some(seed % 3 == 0),
                custom_domains: Some(vec![format!("{seed}.example"), "b.example".into()]),
                relationship_to_partner: Some(CustomerPartnerRelationship::None),
                ..Default::default()
            };
            let json = serde_json::to_value(&customer).unwrap();
            let expected: Customer = decode_value(expected_tree(json.clone())).unwrap();
            let body = render_form(&json, seed.rotate_left(17));
            let tree = from_form(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
            let back: Customer = decode_value(tree).map_err(|e| TestCaseError::fail(format!("{e}\n{body}")))?;
            prop_assert_eq!(&back, &expected, "{}", body);
        }

        #[test]
        fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(tree) = from_form(&bytes) {
                let _ = decode_value::<Customer>(tree);
            }
        }

        #[test]
        fn arbitrary_keys_never_panic(key in "[a-z.\\[\\]0-9]{0,20}", value in "[a-z%=+&]{0,5}") {
            let _ = from_form(format!("{key}={value}&{key}.x={value}&{key}[0]={value}").as_bytes());
        }
    }
}
