//! Fuzzing of every reader in the wire crate, on stable Rust, as property tests.
//!
//! The JSON, XML and form readers and both filter parsers get arbitrary bytes and strings,
//! arbitrary JSON trees, and documents that were valid until something damaged them: random
//! cuts, flipped and inserted bytes, fragments of the format's syntax, repeated slices (deep
//! nesting), odd Unicode, huge numbers, keys in any casing. For every input:
//!
//! - nothing panics or overflows the stack;
//! - a refusal is a `DecodeError` or `FilterError` of a documented kind;
//! - a JSON text is read exactly as `serde_json` reads it, except that a property given twice
//!   (in any casing) is refused;
//! - a value that decodes survives the way back: written as JSON it decodes to itself, and
//!   written as XML it decodes to itself save for what `xml.rs` documents XML cannot carry
//!   (characters outside XML 1.0, which become U+FFFD, and empty nested objects, which read
//!   back as absent);
//! - a customer filter that parses survives `to_json` and `parse`.
//!
//! Cases per property: `PARTNERD_FUZZ_CASES` (default 256, so `cargo test` stays quick; CI runs
//! many more, see RELIABILITY.md). Every property prints the seed it ran with on failure;
//! `PROPTEST_RNG_SEED=<seed>` replays the same cases. A failing input that proptest shrinks
//! goes into the `regressions` module at the end as a plain test.

use std::fmt::{Debug, Display};

use partnerd_wire::names::PROPERTY_NAMES;
use partnerd_wire::{
    decode_json, decode_value, form, from_form, from_xml, parse_json, to_xml, xml, ApiFault,
    Customer, CustomerBillingProfile, CustomerFilter, CustomerSearchField, DecodeError,
    PartnerRelationship, RelationshipFilter, ResourceCollection,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[path = "support/fuzzing.rs"]
mod fuzzing;

use fuzzing::{apply, Edit};

/// The configuration of every property here.
fn config() -> ProptestConfig {
    fuzzing::config(fuzzing::cases())
}

fn fail(what: impl Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

// ---------------------------------------------------------------------------------------------
// The checks every input goes through
// ---------------------------------------------------------------------------------------------

/// What each reader's errors may say: the start of every message it can give.
const JSON_ERRORS: &[&str] = &[
    "the body is empty",
    "not valid JSON (",
    "it is given more than once",
];
const XML_ERRORS: &[&str] = &[
    "the body is empty",
    "not well-formed XML at byte ",
    "the document ends inside <",
    "the document has no root element",
    "text beside child elements (mixed content)",
    "it is given more than once",
];
const FORM_ERRORS: &[&str] = &[
    "the body is empty",
    "a form key is not UTF-8 once percent-decoded",
    "the form key `",
    "the value is not UTF-8 once percent-decoded",
    "it is given more than once",
    "the form gives this property both ",
    "no index is left to append at",
];

/// A refusal of a documented kind, shown as the server shows it.
fn documented(e: &DecodeError, kinds: &[&str]) -> Result<(), TestCaseError> {
    prop_assert!(
        kinds.iter().any(|k| e.message.starts_with(k)),
        "undocumented error: {e:?}"
    );
    let shown = e.to_string();
    if e.path.is_empty() {
        prop_assert!(
            shown.starts_with("The request body is invalid: "),
            "{shown}"
        );
    } else {
        let prefix = format!("Property '{}' is invalid: ", e.path);
        prop_assert!(shown.starts_with(&prefix), "{shown}");
    }
    Ok(())
}

/// A JSON body: read as serde_json reads it (a duplicate property aside), refused only in a
/// documented way, and every wire type decodes it or refuses it.
fn check_json(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = parse_json(bytes);
    match (&ours, serde_json::from_slice::<Value>(bytes)) {
        (Ok(v), Ok(w)) => prop_assert_eq!(v, &w),
        (Ok(v), Err(e)) => {
            return Err(fail(format!(
                "parse_json accepted what serde_json refuses ({e}): {v}"
            )))
        }
        (Err(e), Ok(_)) => prop_assert_eq!(
            e.message.as_str(),
            "it is given more than once",
            "parse_json refused valid JSON: {:?}",
            e
        ),
        (Err(e), Err(_)) => {
            documented(e, JSON_ERRORS)?;
            if !e.message.starts_with("it is given") {
                prop_assert_eq!(e.path.as_str(), "", "{:?}", e);
            }
        }
    }
    decodes::<Customer>(decode_json(bytes), Some("Customer"))?;
    decodes::<CustomerBillingProfile>(decode_json(bytes), Some("CustomerBillingProfile"))?;
    decodes::<ApiFault>(decode_json(bytes), Some("ApiFault"))?;
    decodes::<PartnerRelationship>(decode_json(bytes), Some("PartnerRelationship"))?;
    decodes::<ResourceCollection<Customer>>(decode_json(bytes), None)?;
    Ok(())
}

/// An XML body: refused only in a documented way; what it reads as decodes or is refused.
fn check_xml(bytes: &[u8]) -> Result<(), TestCaseError> {
    match from_xml(bytes) {
        Ok(tree) => check_tree(tree),
        Err(e) => documented(&e, XML_ERRORS),
    }
}

/// A form body: refused only in a documented way; what it reads as decodes or is refused.
fn check_form(bytes: &[u8]) -> Result<(), TestCaseError> {
    match from_form(bytes) {
        Ok(tree) => check_tree(tree),
        Err(e) => documented(&e, FORM_ERRORS),
    }
}

fn check_tree(tree: Value) -> Result<(), TestCaseError> {
    decodes::<Customer>(decode_value(tree.clone()), Some("Customer"))?;
    decodes::<CustomerBillingProfile>(decode_value(tree.clone()), Some("CustomerBillingProfile"))?;
    decodes::<ApiFault>(decode_value(tree.clone()), Some("ApiFault"))?;
    decodes::<PartnerRelationship>(decode_value(tree.clone()), Some("PartnerRelationship"))?;
    decodes::<ResourceCollection<Customer>>(decode_value(tree), None)?;
    Ok(())
}

/// A decoded value survives the way back; a refusal has something to say.
fn decodes<T>(decoded: Result<T, DecodeError>, xml_root: Option<&str>) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    match decoded {
        Ok(value) => survives(&value, xml_root),
        Err(e) => {
            prop_assert!(!e.message.is_empty(), "{e:?}");
            Ok(())
        }
    }
}

/// Written as JSON, `value` decodes to itself; written as XML (under `xml_root`), it decodes
/// to what its JSON tree decodes to once XML's documented limits are applied to the tree.
fn survives<T>(value: &T, xml_root: Option<&str>) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_value(value).map_err(fail)?;
    let text = serde_json::to_vec(&json).map_err(fail)?;
    let again: T = decode_json(&text).map_err(|e| fail(format!("{e}\n{json}")))?;
    prop_assert_eq!(&again, value, "JSON round trip of {}", json);
    if let Some(root) = xml_root {
        let document = to_xml(root, &json);
        let tree = from_xml(document.as_bytes()).map_err(|e| fail(format!("{e}\n{document}")))?;
        let back: T = decode_value(tree).map_err(|e| fail(format!("{e}\n{document}")))?;
        let expected: T =
            decode_value(as_xml_carries(&json)).map_err(|e| fail(format!("{e}\n{json}")))?;
        prop_assert_eq!(back, expected, "XML round trip of {}", document);
    }
    Ok(())
}

/// XML 1.0's `Char` production (the characters an XML document can carry).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A tree as XML carries it (`xml.rs`): characters XML cannot carry become U+FFFD, and a
/// property whose value is an empty object is absent.
fn as_xml_carries(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(as_xml_carries).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.as_object().is_some_and(Map::is_empty))
                .map(|(k, v)| (k.clone(), as_xml_carries(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

const FILTER_FIELDS: [(&str, CustomerSearchField); 4] = [
    ("CompanyName", CustomerSearchField::CompanyName),
    ("Domain", CustomerSearchField::Domain),
    ("IndirectReseller", CustomerSearchField::IndirectReseller),
    (
        "IndirectCloudSolutionProvider",
        CustomerSearchField::IndirectCloudSolutionProvider,
    ),
];

/// The two refusals of a relationship filter.
const RELATIONSHIP_FILTER_ERRORS: [&str; 2] = [
    "Invalid filter: it is not a JSON object.",
    "Invalid filter: relationships can be filtered only by Name with starts_with or substring.",
];

/// Any text given as a customer filter: parsed into a filter that survives `to_json`, or
/// refused with the documented reason.
fn check_customer_filter(text: &str) -> Result<(), TestCaseError> {
    match CustomerFilter::parse(text) {
        Ok(filter) => {
            prop_assert!(!filter.value.is_empty(), "{filter:?}");
            prop_assert_eq!(CustomerFilter::parse(&filter.to_json()), Ok(filter.clone()));
        }
        Err(e) => prop_assert!(
            e.0.starts_with("Invalid filter: ") && e.0.ends_with('.'),
            "{}",
            e.0
        ),
    }
    Ok(())
}

/// Any text given as a relationship filter: parsed, or refused with a documented reason.
fn check_relationship_filter(text: &str) -> Result<(), TestCaseError> {
    match RelationshipFilter::parse(text) {
        Ok(filter) => {
            // Any name can be tested, and (ASCII case mapping being exact) a name that is the
            // value itself passes either operator.
            let _ = filter.admits(text);
            if filter.value.is_ascii() {
                prop_assert!(filter.admits(&filter.value), "{filter:?}");
            }
        }
        Err(e) => prop_assert!(
            RELATIONSHIP_FILTER_ERRORS.contains(&e.0.as_str()),
            "{}",
            e.0
        ),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Text that tends to break things: controls, non-characters, combining and bidi marks,
/// characters whose case mapping changes length or depends on context, and the syntax of
/// every format.
#[rustfmt::skip]
const ODD: &[&str] = &[
    "", " ", "\t", "\r", "\r\n", "\n ", "\0", "\u{1}", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}",
    "\u{200b}", "\u{202e}", "\u{feff}", "\u{fffd}", "\u{fffe}", "\u{ffff}", "\u{10ffff}",
    "e\u{301}", "İ", "ß", "ΑΣ", "ﬃ", "😀", "👩‍👩‍👧", "]]>", "<![CDATA[", "&amp;", "&#0;",
    "&lol;", "%00", "%", "%FF", "+", "=", "&", "[]", ".", "\\", "\"", "'", "null", "true", "-0",
    "1e999", "NaN", "18446744073709551616", "{}", "<a>", "</a>", "/>",
];

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => proptest::collection::vec(any::<char>(), 0..24)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        2 => select(ODD).prop_map(str::to_owned),
        2 => (select(ODD), any::<String>(), select(ODD)).prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        1 => (1usize..1500, select(ODD)).prop_map(|(n, s)| format!("é{s}").repeat(n)),
    ]
}

/// A casing of `key`: 0 as is, 1 upper, 2 lower, 3 Pascal, else letters flipped by the bits.
fn recase(key: &str, mode: u64) -> String {
    match mode % 5 {
        0 => key.to_owned(),
        1 => key.to_ascii_uppercase(),
        2 => key.to_ascii_lowercase(),
        3 => {
            let mut chars = key.chars();
            chars
                .next()
                .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        }
        _ => key
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if (mode >> (i % 61 + 3)) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// Every key of a tree recased, each by its own bits of `bits`.
fn recase_keys(value: Value, bits: u64, at: &mut u32) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    *at = at.wrapping_add(7);
                    let key = recase(&k, bits.rotate_left(*at % 64));
                    (key, recase_keys(v, bits, at))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| recase_keys(v, bits, at))
                .collect(),
        ),
        other => other,
    }
}

/// Any JSON tree, with property names the wire types know (in any casing) and odd ones.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        odd_text().prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => (select(PROPERTY_NAMES), any::<u64>()).prop_map(|(k, mode)| recase(k, mode)),
        1 => odd_text(),
    ]
    .boxed();
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn address() -> Value {
    json!({"country": "US", "region": "", "city": "Redmond", "state": "WA",
           "addressLine1": "One Microsoft Way", "addressLine2": null, "postalCode": "98052",
           "firstName": "Ada", "lastName": "Lovelace", "phoneNumber": "4255550100"})
}

fn links() -> Value {
    json!({"self": {"uri": "/customers/x", "method": "GET", "headers": []},
           "next": {"uri": "/customers?seekOperation=Next", "method": "GET",
                    "headers": [{"key": "MS-ContinuationToken", "value": "abc.def"}]}})
}

/// Valid documents of every shape the readers meet: what clients send and what the server
/// answers.
fn documents() -> Vec<Value> {
    let billing = json!({"id": "b", "firstName": "Ada", "lastName": "Lovelace",
        "email": "ada@contoso.com", "culture": "en-US", "language": "en", "companyName": "Contoso",
        "defaultAddress": address(), "links": links(),
        "attributes": {"etag": "-4242348048554929329", "objectType": "CustomerBillingProfile"}});
    let customer = json!({"id": "5b0e9f1a-6e31-4c5c-9b67-1f0e7a3c2d11", "commerceId": "c",
        "companyProfile": {"tenantId": "t", "domain": "contoso.onmicrosoft.com",
                           "companyName": "Contoso", "address": address(), "email": "a@b.c",
                           "organizationRegistrationNumber": "123"},
        "billingProfile": billing, "relationshipToPartner": "microsoft_support",
        "allowDelegatedAccess": true, "userCredentials": {"userName": "admin", "password": "p"},
        "customDomains": ["contoso.onmicrosoft.com", "contoso.example"],
        "associatedPartnerId": "7c1b6a7e-6a8d-4f35-9a54-6c3f1e3b0a22", "links": links(),
        "attributes": {"objectType": "Customer"}});
    vec![
        customer.clone(),
        billing,
        json!({"relationshipToPartner": "None", "allowDelegatedAccess": false}),
        json!({"code": 27002, "description": "A property has invalid data.",
               "data": ["property_name: billingProfile.email - not an e-mail address"],
               "source": "PartnerFD"}),
        json!({"totalCount": 2, "items": [customer, {"id": "x", "companyProfile": {"domain": "d"}}],
               "continuationToken": "abc.def", "links": links(),
               "attributes": {"objectType": "Customer"}}),
        json!({"id": "7c1b6a7e", "name": "Fabrikam", "relationshipType": "is_indirect_reseller_of",
               "state": "Active", "location": "US", "mpnId": "123",
               "attributes": {"objectType": "PartnerRelationship"}}),
        json!({"Field": "CompanyName", "Value": "cont", "Operator": "starts_with"}),
        json!({"field": "name", "value": "Fab", "operator": "substring", "fieldType": "x"}),
    ]
}

/// The XML root each document is written under.
const ROOTS: &[&str] = &[
    "Customer",
    "CustomerBillingProfile",
    "Customer",
    "ApiFault",
    "ResourceCollection",
    "PartnerRelationship",
    "Filter",
    "Filter",
];

/// XML as other clients write it: namespaces, nil, CDATA, comments, a processing instruction,
/// a byte-order mark, whitespace between elements.
const HAND_WRITTEN_XML: &[&str] = &[
    "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Customer xmlns=\"http://schemas.datacontract.org/2004/07/Microsoft.Store.PartnerCenter.Models.Customers\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <CompanyProfile><Domain>contoso.onmicrosoft.com</Domain><TenantId i:nil=\"true\"/></CompanyProfile>\n  <BillingProfile><Email><![CDATA[ada@contoso.com]]></Email><!-- c --><Culture>en-US</Culture>\n    <DefaultAddress><Country>US</Country><Region i:nil=\"true\"/><AddressLine1>One &amp; Only</AddressLine1></DefaultAddress>\n  </BillingProfile><?pi data?>\n  <AllowDelegatedAccess>1</AllowDelegatedAccess><CustomDomains><string>a</string><string/></CustomDomains>\n</Customer>",
    "<a:ApiFault xmlns:a=\"urn:x\"><a:code> 404 </a:code><a:description xml:space=\"preserve\">  </a:description><a:data><a:string>x</a:string></a:data></a:ApiFault>",
    "<r><items><Customer><id>1</id></Customer><Customer><id>2</id></Customer></items><totalCount>2</totalCount></r>",
];

#[rustfmt::skip]
const JSON_FRAGMENTS: &[&str] = &[
    "{", "}", "[", "]", "\"", "\\", "\\u", "\\ud800", "\\udc00\\ud800", "\\u0000", ",", ":",
    "null", "true", "1e999", "-1e-999", "-0", "18446744073709551616", "-9223372036854775809",
    "0.0000000000000000000000000000001", "\"email\":\"x\",", "\"EMAIL\":1,", "\u{feff}",
    "\u{0}", "\u{202e}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":",
    "\u{ff}",
];

#[rustfmt::skip]
const XML_FRAGMENTS: &[&str] = &[
    "<", ">", "</", "/>", "<a>", "</a>", "<string/>", "<!DOCTYPE x [<!ENTITY e \"e\">]>", "&e;",
    "&lt;", "&#0;", "&#xD800;", "&#1114112;", "&#x10FFFF;", "&#xD;", "<![CDATA[", "]]>",
    "<!--", "-->", "<?pi x?>", "<?xml version=\"1.0\"?>", " xmlns:a=\"u\"", "a:", "xmlns",
    " xsi:nil=\"true\"", " i:nil=\"maybe\"", " xml:space=\"preserve\"", " x='1'", "\"", "'",
    "\u{feff}", "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>", "<items>", "<data>",
    "<email>x</email><Email>y</Email>", "\u{0}", "\u{ff}",
];

#[rustfmt::skip]
const FORM_FRAGMENTS: &[&str] = &[
    "&", "=", "%", "%2", "%ZZ", "%FF", "%C3%28", "%00", "+", "[", "]", "[]", ".", "..", "[0]",
    "[18446744073709551615]", "[18446744073709551616]", "[01]", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o",
    "billingProfile.email=x&BILLINGPROFILE[EMAIL]=y", "customDomains[]=x&customDomains.0=y",
    "allowDelegatedAccess=maybe", "&&&", "\u{ff}",
];

fn edit(fragments: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        4 => select(fragments).prop_map(|f| f.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..8),
        1 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
    ];
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Cut),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        4 => (any::<Index>(), fragment).prop_map(|(at, f)| Edit::Insert(at, f)),
        2 => (any::<Index>(), 1usize..16).prop_map(|(at, n)| Edit::Remove(at, n)),
        1 => (any::<Index>(), 1usize..40, 2usize..48)
            .prop_map(|(at, n, times)| Edit::Repeat(at, n, times)),
    ]
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces the `n`th node (pre-order) of a tree.
fn replace_nth(value: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *value = with.clone();
        return true;
    }
    *n -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| replace_nth(v, n, with)),
        Value::Object(map) => map.values_mut().any(|v| replace_nth(v, n, with)),
        _ => false,
    }
}

/// A document with some nodes replaced by random trees and its keys recased.
fn mutated_document() -> impl Strategy<Value = (usize, Value)> {
    (
        0..documents().len(),
        proptest::collection::vec((any::<Index>(), json_value()), 0..3),
        any::<u64>(),
    )
        .prop_map(|(which, replacements, casing)| {
            let mut doc = documents().swap_remove(which);
            for (at, with) in &replacements {
                let mut n = at.index(count(&doc));
                replace_nth(&mut doc, &mut n, with);
            }
            (which, recase_keys(doc, casing, &mut 0))
        })
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    (
        mutated_document(),
        any::<bool>(),
        proptest::collection::vec(edit(JSON_FRAGMENTS), 0..4),
    )
        .prop_map(|((_, doc), pretty, edits)| {
            let text = if pretty {
                serde_json::to_vec_pretty(&doc)
            } else {
                serde_json::to_vec(&doc)
            };
            apply(text.unwrap_or_default(), &edits)
        })
}

fn xml_body() -> impl Strategy<Value = Vec<u8>> {
    let base = prop_oneof![
        3 => mutated_document().prop_map(|(which, doc)| to_xml(ROOTS[which], &doc).into_bytes()),
        1 => select(HAND_WRITTEN_XML).prop_map(|d| d.as_bytes().to_vec()),
    ];
    (base, proptest::collection::vec(edit(XML_FRAGMENTS), 0..4))
        .prop_map(|(doc, edits)| apply(doc, &edits))
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// A tree as a form: one `path=value` pair per leaf, names dotted, indexes bracketed.
fn to_form(value: &Value) -> String {
    fn walk(value: &Value, key: &str, pairs: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if key.is_empty() {
                        encode(k)
                    } else {
                        format!("{key}.{}", encode(k))
                    };
                    walk(v, &key, pairs);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{key}[{i}]"), pairs);
                }
            }
            Value::String(s) => pairs.push(format!("{key}={}", encode(s))),
            Value::Null => pairs.push(format!("{key}=")),
            other => pairs.push(format!("{key}={}", encode(&other.to_string()))),
        }
    }
    let mut pairs = Vec::new();
    walk(value, "", &mut pairs);
    pairs.join("&")
}

fn form_body() -> impl Strategy<Value = Vec<u8>> {
    (
        mutated_document(),
        proptest::collection::vec(edit(FORM_FRAGMENTS), 0..4),
    )
        .prop_map(|((_, doc), edits)| apply(to_form(&doc).into_bytes(), &edits))
}

/// Text given as a filter: anything, JSON trees, and filters that were valid until damaged.
fn filter_text() -> impl Strategy<Value = String> {
    let near_valid = (
        select(vec![
            r#"{"Field":"CompanyName","Value":"cont","Operator":"starts_with"}"#,
            r#"{"field":"Domain","value":"a","operator":"StartsWith","fieldType":"x"}"#,
            r#"{"Field":"IndirectReseller","Value":"7c1b6a7e-6a8d-4f35-9a54-6c3f1e3b0a22","Operator":"starts_with"}"#,
            r#"{"Field":"Name","Value":"Fab","Operator":"substring"}"#,
            r#"{"field":"name","operator":"starts_with"}"#,
        ]),
        proptest::collection::vec(edit(JSON_FRAGMENTS), 0..4),
    )
        .prop_map(|(f, edits)| {
            String::from_utf8_lossy(&apply(f.as_bytes().to_vec(), &edits)).into_owned()
        });
    prop_oneof![
        1 => odd_text(),
        1 => json_value().prop_map(|v| v.to_string()),
        3 => near_valid,
    ]
}

/// `word` in random casing with underscores between its letters.
fn spelled(word: &str, bits: u64) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let b = bits.rotate_right(2 * i as u32 % 64);
        if b & 2 == 2 {
            out.push('_');
        }
        out.push(if b & 1 == 1 {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_reads_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_json(&bytes)?;
    }

    #[test]
    fn json_reads_any_tree(tree in json_value()) {
        check_json(&serde_json::to_vec(&tree).map_err(fail)?)?;
    }

    #[test]
    fn json_reads_damaged_documents(bytes in json_body()) {
        check_json(&bytes)?;
    }

    #[test]
    fn json_nesting_is_bounded_not_overflowed(depth in 1usize..=2000, objects in any::<bool>()) {
        let doc = if objects {
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else {
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        };
        check_json(doc.as_bytes())?;
        // serde_json's limit: 127 levels read, 128 are refused.
        let parsed = parse_json(doc.as_bytes());
        if depth < 128 {
            prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        } else {
            prop_assert!(parsed.is_err());
        }
    }

    #[test]
    fn xml_reads_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_xml(&bytes)?;
    }

    #[test]
    fn xml_reads_damaged_documents(bytes in xml_body()) {
        check_xml(&bytes)?;
    }

    #[test]
    fn xml_nesting_is_bounded(depth in 1usize..=300, name in "[a-z]{1,6}") {
        let doc = format!("{}x{}", format!("<{name}>").repeat(depth), format!("</{name}>").repeat(depth));
        match from_xml(doc.as_bytes()) {
            Ok(_) => prop_assert!(depth <= xml::MAX_DEPTH, "{depth} levels read"),
            Err(e) => {
                prop_assert!(depth > xml::MAX_DEPTH, "{depth} levels refused: {e}");
                prop_assert!(e.message.contains("nest deeper than"), "{e}");
            }
        }
    }

    #[test]
    fn form_reads_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_form(&bytes)?;
    }

    #[test]
    fn form_reads_damaged_documents(bytes in form_body()) {
        check_form(&bytes)?;
    }

    #[test]
    fn form_keys_are_bounded(segments in 1usize..=64, style in any::<u64>()) {
        let mut key = "a".to_owned();
        for i in 1..segments {
            key.push_str(if (style >> (i % 64)) & 1 == 1 { ".b" } else { "[b]" });
        }
        match from_form(format!("{key}=x").as_bytes()) {
            Ok(tree) => {
                prop_assert!(segments <= form::MAX_DEPTH, "{segments} segments read");
                let mut at = &tree["a"];
                for _ in 1..segments {
                    at = &at["b"];
                }
                prop_assert_eq!(at, &json!("x"), "{}", tree);
            }
            Err(e) => {
                prop_assert!(segments > form::MAX_DEPTH, "{segments} segments refused: {e}");
                let expected = format!("more than {} segments", form::MAX_DEPTH);
                prop_assert!(e.message.contains(&expected), "{e}");
            }
        }
    }

    /// Huge, signed, padded and malformed codes read alike in every format: as text (XML, a
    /// form, a JSON string) a code is whatever `str::parse::<i64>` makes of the trimmed text.
    #[test]
    fn fault_codes_of_any_size(text in prop_oneof![
        "[ +\\-0-9]{0,30}",
        "-?[1-9][0-9]{0,400}",
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<i64>(), " {0,3}", " {0,3}").prop_map(|(n, a, b)| format!("{a}{n}{b}")),
        "[0-9.eE+\\-]{1,12}",
    ]) {
        let expected = text.trim().parse::<i64>().ok();
        let escaped = text.replace('&', "&amp;").replace('<', "&lt;");
        let xml = format!("<ApiFault><code>{escaped}</code><description>d</description></ApiFault>");
        let form = format!("code={}&description=d", encode(&text));
        let json = json!({"code": text, "description": "d"}).to_string();
        let read = [
            ("xml", from_xml(xml.as_bytes()).and_then(decode_value::<ApiFault>)),
            ("form", from_form(form.as_bytes()).and_then(decode_value::<ApiFault>)),
            ("json", decode_json::<ApiFault>(json.as_bytes())),
        ];
        for (format, got) in read {
            prop_assert_eq!(got.as_ref().ok().map(|f| f.code), expected, "{} {:?}: {:?}", format, text, got);
        }
        // As a JSON number: an integer that fits is read, anything else (fractions, exponents,
        // out of range) is refused, never rounded.
        let literal = text.trim();
        if let Ok(tree) = parse_json(format!("{{\"code\":{literal},\"description\":\"d\"}}").as_bytes()) {
            match decode_value::<ApiFault>(tree) {
                Ok(fault) => prop_assert_eq!(literal.parse::<i64>().ok(), Some(fault.code), "{}", literal),
                Err(_) => prop_assert!(
                    literal.parse::<i64>().is_err() || literal == "-0",
                    "{literal} refused"
                ),
            }
        }
    }

    /// Odd text in an optional property reads back as sent from every format (XML replacing
    /// what it cannot carry); empty text is "not given".
    #[test]
    fn odd_text_reads_back_from_every_format(text in odd_text()) {
        let expected = (!text.is_empty()).then(|| text.clone());
        let json = json!({"companyName": text, "defaultAddress": {"city": text}});
        let via_json: CustomerBillingProfile = decode_value(json.clone()).map_err(fail)?;
        prop_assert_eq!(&via_json.company_name, &expected);
        let form = format!("companyName={0}&defaultAddress.city={0}", encode(&text));
        let via_form: CustomerBillingProfile =
            decode_value(from_form(form.as_bytes()).map_err(fail)?).map_err(fail)?;
        prop_assert_eq!(&via_form.company_name, &expected);
        prop_assert_eq!(via_form.default_address.and_then(|a| a.city), expected.clone());
        let document = to_xml("CustomerBillingProfile", &json);
        let via_xml: CustomerBillingProfile =
            decode_value(from_xml(document.as_bytes()).map_err(fail)?).map_err(fail)?;
        let carried = expected.map(|t| t.chars().map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }).collect::<String>());
        prop_assert_eq!(&via_xml.company_name, &carried, "{}", document);
        prop_assert_eq!(via_xml.default_address.and_then(|a| a.city), carried);
    }

    #[test]
    fn customer_filters_from_any_text(text in filter_text()) {
        check_customer_filter(&text)?;
    }

    /// Any spelling of the field, the operator and the keys reads as the same filter, and
    /// extra keys are ignored.
    #[test]
    fn customer_filters_in_any_spelling(
        field in 0usize..4,
        spelling in any::<u64>(),
        casing in any::<u64>(),
        value in prop_oneof![
            // An empty value is refused ('value' is empty), so it is never generated here.
            odd_text().prop_map(|v| Value::String(if v.is_empty() { "x".to_owned() } else { v })),
            any::<i64>().prop_map(Value::from),
        ],
        extra in proptest::option::of(json_value()),
    ) {
        let (name, member) = FILTER_FIELDS[field];
        let mut object = Map::new();
        object.insert(recase("field", casing), json!(spelled(name, spelling)));
        object.insert(recase("value", casing >> 5), value.clone());
        object.insert(recase("operator", casing >> 10), json!(spelled("startswith", spelling >> 7)));
        if let Some(extra) = extra {
            object.insert("fieldType".to_owned(), extra);
        }
        let text = Value::Object(object).to_string();
        let filter = CustomerFilter::parse(&text).map_err(|e| fail(format!("{e}: {text}")))?;
        let expected = match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        prop_assert_eq!(&filter, &CustomerFilter { field: member, value: expected });
        check_customer_filter(&text)?;
    }

    #[test]
    fn relationship_filters_from_any_text(text in filter_text()) {
        check_relationship_filter(&text)?;
    }

    #[test]
    fn relationship_filters_in_any_spelling(
        casing in any::<u64>(),
        prefix in any::<bool>(),
        spelling in any::<u64>(),
        value in proptest::option::of(odd_text()),
    ) {
        let mut object = Map::new();
        object.insert(recase("field", casing), json!(recase("name", casing >> 5)));
        let operator = if prefix { "startswith" } else { "substring" };
        object.insert(recase("operator", casing >> 10), json!(spelled(operator, spelling)));
        if let Some(value) = &value {
            object.insert(recase("value", casing >> 15), json!(value));
        }
        let text = Value::Object(object).to_string();
        let filter = RelationshipFilter::parse(&text).map_err(|e| fail(format!("{e}: {text}")))?;
        prop_assert_eq!(filter.prefix, prefix);
        prop_assert_eq!(filter.value, value.unwrap_or_default().to_lowercase());
    }

    /// Names compare case-insensitively: a prefix filter admits exactly the names that start
    /// with its value in any casing, a substring filter those that contain it (ASCII names; see
    /// RELIABILITY.md for what non-ASCII case mapping does).
    #[test]
    fn relationship_filters_compare_names_in_any_case(
        value in "[a-zA-Z0-9 ]{0,6}",
        name in "[a-zA-Z0-9 ]{0,12}",
        casing in any::<u64>(),
        prefix in any::<bool>(),
    ) {
        let operator = if prefix { "starts_with" } else { "substring" };
        let filter = RelationshipFilter::parse(
            &json!({"Field": "Name", "Value": value, "Operator": operator}).to_string(),
        ).map_err(fail)?;
        let (v, n) = (value.to_ascii_lowercase(), name.to_ascii_lowercase());
        let wanted = if prefix { n.starts_with(&v) } else { n.contains(&v) };
        prop_assert_eq!(filter.admits(&recase(&name, casing)), wanted);
        let containing = format!("{name}{}{name}", recase(&value, casing));
        prop_assert!(prefix || filter.admits(&containing));
        let named = format!("{}{name}", recase(&value, casing >> 3));
        prop_assert!(filter.admits(&named));
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions and pinned edge cases
// ---------------------------------------------------------------------------------------------

/// Inputs kept as plain tests. Each goes through the same checks as the properties above.
///
/// When a property fails, proptest prints `minimal failing input: …` (and the test's stderr the
/// seed, for `PROPTEST_RNG_SEED`). Paste that input here as a test of its own, calling the check
/// of the property that failed (`check_json`, `check_xml`, `check_form`,
/// `check_customer_filter`, `check_relationship_filter`), fix the reader, and keep the test.
mod regressions {
    use super::*;

    fn all_readers(bytes: &[u8]) {
        check_json(bytes).unwrap();
        check_xml(bytes).unwrap();
        check_form(bytes).unwrap();
        let text = String::from_utf8_lossy(bytes);
        check_customer_filter(&text).unwrap();
        check_relationship_filter(&text).unwrap();
    }

    /// Found by `json_reads_any_tree`: serde reads a struct from an array, field by field, so
    /// `[null, ""]` decoded as a customer with an empty `commerceId` that no write-back could
    /// reproduce. A resource is an object; an array where one is expected is refused.
    #[test]
    fn an_array_is_no_resource() {
        all_readers(br#"[null, ""]"#);
        for body in [
            &br#"[null, ""]"#[..],
            br#"[null, null, {"domain": "a.onmicrosoft.com"}]"#,
        ] {
            assert!(
                decode_json::<Customer>(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Read-only properties that are arrays are ignored like any unreadable read-only one.
        let read_only = decode_json::<Customer>(br#"{"attributes": [""]}"#).unwrap();
        assert_eq!(read_only.attributes, None);
        let nested = br#"{"companyProfile": ["a.onmicrosoft.com"]}"#;
        let e = decode_json::<Customer>(nested).expect_err("a nested array is no profile");
        assert_eq!(e.path, "companyProfile");
        // Arrays where the type has one still read.
        let ok = decode_json::<Customer>(br#"{"customDomains": ["a.onmicrosoft.com"]}"#).unwrap();
        assert_eq!(ok.custom_domains.unwrap(), ["a.onmicrosoft.com"]);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        for doc in [
            "[".repeat(1_000_000),
            "{\"a\":".repeat(200_000),
            "<a>".repeat(200_000),
            format!("{}x{}", "<a>".repeat(129), "</a>".repeat(129)),
            format!("a{}=x", "[b]".repeat(100_000)),
        ] {
            all_readers(doc.as_bytes());
        }
        assert!(parse_json("[".repeat(1_000_000).as_bytes()).is_err());
        assert!(from_xml("<a>".repeat(200_000).as_bytes()).is_err());
        assert!(from_form(format!("a{}=x", "[b]".repeat(100_000)).as_bytes()).is_err());
    }

    #[test]
    fn json_edge_cases() {
        for doc in [
            r#"{"code": 1e999, "description": "d"}"#,
            r#"{"code": -0, "description": "d"}"#,
            r#"{"code": 18446744073709551616, "description": "d"}"#,
            r#"{"companyName": "\ud800"}"#,
            r#"{"companyName": "\u0000\ufffe\uffff"}"#,
            "\u{feff}{}",
            r#"{"email":"a","EMAIL":"b"}"#,
            r#"{"relationshipToPartner": 18446744073709551615}"#,
            "\u{c}",
            "",
        ] {
            all_readers(doc.as_bytes());
        }
    }

    #[test]
    fn xml_edge_cases() {
        for doc in [
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>",
            "<a>&#0;</a>",
            "<a>&#xD800;</a>",
            "<a>&#1114112;</a>",
            "<a xsi:nil=\"maybe\"/>",
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
            "<a><![CDATA[x]]>y<b/></a>",
            "<a></b>",
            "</a>",
            "<a/><b/>",
            "\u{feff}\u{feff}<a/>",
            "<a:b:c/>",
            "<a\u{0}/>",
        ] {
            all_readers(doc.as_bytes());
        }
        all_readers(b"<a>\xff</a>");
        all_readers(b"<\xc3\x28/>");
    }

    #[test]
    fn form_edge_cases() {
        for doc in [
            "a[18446744073709551615]=x&a[]=y",
            "a[18446744073709551616]=x",
            "%FF=x",
            "a=%FF",
            "a=%",
            "a.=x",
            "[]=x",
            "0=x",
            "a]=x",
            "a[=x",
            "a[b]c=x",
            "a=1&a.b=2",
            "a.b=1&a[0]=2",
            "a[01]=x&a[1]=y",
            "allowDelegatedAccess=maybe&customDomains[5]=&customDomains[]=x",
            "&&&=&",
        ] {
            all_readers(doc.as_bytes());
        }
    }
}
