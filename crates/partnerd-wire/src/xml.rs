//! XML bodies: the JSON tree written as XML ([`to_xml`]) and XML read back into the JSON tree
//! ([`from_xml`]), so XML goes through the same lenient decoding as JSON
//! ([`decode_value`](crate::decode_value)).
//!
//! # Writing
//!
//! - The document starts with `<?xml version="1.0" encoding="utf-8"?>`, then one root element
//!   named by the caller (the resource's objectType: `Customer`, `ResourceCollection`,
//!   `ApiFault`, ...). No whitespace is added between elements.
//! - An object's properties are child elements with the same camelCase names as in JSON, in the
//!   tree's order; null properties are left out.
//! - An array is a wrapper element named after the property, holding one element per item,
//!   named after the item's kind: an object with `attributes.objectType` is named after it
//!   (`<items><Customer>…</Customer></items>`); another object in `headers` is `KeyValuePair`;
//!   a string is `string`, an integer `long`, any other number `double`, a boolean `boolean`;
//!   anything else (an object without objectType, a null, a nested array) is `anyType`.
//! - A boolean is `true`/`false`, a number its JSON text.
//! - A top-level scalar is the root's text: `to_xml("boolean", &json!(true))` gives
//!   `<boolean>true</boolean>`.
//! - Text escapes `&`, `<`, `>` and carriage return (`&#xD;`, so it survives end-of-line
//!   normalisation). Characters XML 1.0 cannot carry at all (the C0 controls other than tab,
//!   line feed and carriage return; U+FFFE; U+FFFF) are written as U+FFFD.
//! - The empty string is `<name xsi:nil="false"/>` and a string of only whitespace carries
//!   `xml:space="preserve"`, so both read back as written (an element without content is
//!   otherwise null, and whitespace-only content otherwise nothing). A null array item is
//!   `<anyType xsi:nil="true"/>`. The root declares the `xsi` prefix when the document uses it.
//! - An empty array or object is an empty element. An empty array of a property in
//!   [`ARRAY_PROPERTIES`](crate::names::ARRAY_PROPERTIES) reads back as an empty array; an empty
//!   object reads back as null, i.e. absent: XML cannot tell `{}` from nothing (the server never
//!   writes an empty object; a `Some` of an all-`None` struct comes back as `None`).
//! - A property name that is not a valid XML name has each offending character replaced by `_`
//!   (no wire type has one).
//!
//! # Reading
//!
//! - The body is UTF-8 (a byte-order mark is skipped). Malformed XML is a [`DecodeError`],
//!   never a panic. A `<!DOCTYPE>` is refused: no DTD is read and no entity beyond the five
//!   predefined ones and character references is expanded (no XXE, no billion laughs).
//!   Elements nest at most [`MAX_DEPTH`] deep.
//! - Namespaces are ignored: prefixes are dropped from names and `xmlns` attributes have no
//!   effect. Names keep their spelling; [`decode_value`](crate::decode_value) matches them in any
//!   casing, and so do the rules below. Attributes other than `nil` and `xml:space` are ignored.
//! - The root element is the resource: its name is not looked at, its child elements become the
//!   properties of the top-level object (no child at all gives `{}`); a root with only text
//!   gives a scalar typed by the root's name as for array items below.
//! - An element whose children are elements is an array when it is a property in
//!   [`ARRAY_PROPERTIES`](crate::names::ARRAY_PROPERTIES) (`items`, `customDomains`, `headers`,
//!   `data`), or when it has two or more children all of the same name, neither its own name
//!   nor theirs being a known property name; the item elements' names are not otherwise looked
//!   at. Otherwise it is an object, and a property given twice, in any casing, is an error
//!   naming it: `<billingProfile><email>a</email><Email>b</Email></billingProfile>` gives
//!   `billingProfile.email` twice rather than an array, since every array of the wire types is
//!   in `ARRAY_PROPERTIES` and items are named after their kind (`string`, `Customer`), never
//!   after a property. Non-whitespace text beside child elements is an error.
//! - An element with text is a string, except: a property in
//!   [`BOOLEAN_PROPERTIES`](crate::names::BOOLEAN_PROPERTIES) (`allowDelegatedAccess`) whose text
//!   reads as a boolean (`true`/`false` in any casing, `1`/`0`) is a JSON boolean; a property in
//!   [`INTEGER_PROPERTIES`](crate::names::INTEGER_PROPERTIES) (`totalCount`, `code`) whose text
//!   reads as an integer is a JSON number; an array item (or a text-only root) named `boolean`,
//!   `long`/`int`/`short`/`byte`/`integer`/`unsignedLong`/… or `double`/`float`/`decimal` is a
//!   boolean or number when its text reads as one. Text is kept exactly, surrounding whitespace
//!   included.
//! - An element with no content, or only whitespace (unless `xml:space="preserve"` is in force),
//!   or with `xsi:nil="true"` (any prefix), is null, which decoding reads as "not given". The
//!   exceptions: a property in `ARRAY_PROPERTIES` without content is an empty array; an element
//!   with `xsi:nil="false"` and no content is the empty string (an empty array for an array
//!   property); an empty array item named `string` is the empty string.
//!
//! For every wire type `T` and tree `v` made by serializing one,
//! `decode_value::<T>(from_xml(to_xml(root, &v).as_bytes())?)` equals `decode_value::<T>(v)`,
//! save for characters XML 1.0 cannot carry and empty nested objects (see above).

use std::collections::HashSet;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde_json::{Map, Value};

use crate::decode::{self, DecodeError};
use crate::names;

/// The deepest nesting of elements [`from_xml`] accepts (the root counts as 1).
pub const MAX_DEPTH: usize = 128;

/// The XML Schema instance namespace, whose `nil` attribute marks null and empty values.
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Renders a JSON tree (a wire type serialized with `serde_json`) as an XML document whose root
/// element is named `root`. See the [module documentation](self) for the shape.
pub fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    let mut writer = XmlWriter {
        out,
        uses_xsi: false,
    };
    let root = xml_name(root);
    // Where the root's namespace declaration goes, if the document turns out to need one.
    let declaration_at = writer.out.len() + 1 + root.len();
    writer.element(&root, value);
    if writer.uses_xsi {
        writer
            .out
            .insert_str(declaration_at, &format!(" xmlns:xsi=\"{XSI_NAMESPACE}\""));
    }
    writer.out
}

struct XmlWriter {
    out: String,
    uses_xsi: bool,
}

impl XmlWriter {
    fn element(&mut self, name: &str, value: &Value) {
        match value {
            Value::Null => self.empty(name, Some("xsi:nil=\"true\"")),
            Value::Bool(b) => self.text(name, None, if *b { "true" } else { "false" }),
            Value::Number(n) => self.text(name, None, &n.to_string()),
            Value::String(s) if s.is_empty() => self.empty(name, Some("xsi:nil=\"false\"")),
            Value::String(s) if s.chars().all(is_xml_space) => {
                self.text(name, Some("xml:space=\"preserve\""), s);
            }
            Value::String(s) => self.text(name, None, s),
            Value::Array(items) if items.is_empty() => self.empty(name, None),
            Value::Array(items) => {
                self.open(name);
                for item in items {
                    self.element(item_name(name, item), item);
                }
                self.close(name);
            }
            Value::Object(map) if map.values().all(Value::is_null) => self.empty(name, None),
            Value::Object(map) => {
                self.open(name);
                for (key, value) in map {
                    if !value.is_null() {
                        self.element(&xml_name(key), value);
                    }
                }
                self.close(name);
            }
        }
    }

    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn empty(&mut self, name: &str, attribute: Option<&str>) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(attribute) = attribute {
            self.uses_xsi |= attribute.starts_with("xsi:");
            self.out.push(' ');
            self.out.push_str(attribute);
        }
        self.out.push_str("/>");
    }

    fn text(&mut self, name: &str, attribute: Option<&str>, text: &str) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(attribute) = attribute {
            self.out.push(' ');
            self.out.push_str(attribute);
        }
        self.out.push('>');
        // Most text needs no escaping: copy it whole.
        if text
            .chars()
            .all(|c| !matches!(c, '&' | '<' | '>' | '\r') && is_xml_char(c))
        {
            self.out.push_str(text);
            self.close(name);
            return;
        }
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '\r' => self.out.push_str("&#xD;"),
                c if is_xml_char(c) => self.out.push(c),
                _ => self.out.push(char::REPLACEMENT_CHARACTER),
            }
        }
        self.close(name);
    }
}

/// The element name of an array item of the property `property`.
fn item_name<'a>(property: &str, item: &'a Value) -> &'a str {
    match item {
        Value::Object(map) => {
            let object_type = map
                .get("attributes")
                .and_then(|a| a.get("objectType"))
                .and_then(Value::as_str)
                .filter(|t| is_xml_name(t));
            match object_type {
                Some(t) => t,
                None if property.eq_ignore_ascii_case("headers") => "KeyValuePair",
                None => "anyType",
            }
        }
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "long",
        Value::Number(_) => "double",
        Value::Bool(_) => "boolean",
        Value::Null | Value::Array(_) => "anyType",
    }
}

/// `name` if it is a valid XML element name without a prefix, else `name` with every offending
/// character replaced by `_`.
fn xml_name(name: &str) -> std::borrow::Cow<'_, str> {
    if is_xml_name(name) {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut out: String = name
        .chars()
        .map(|c| if is_name_char(c) { c } else { '_' })
        .collect();
    if !out.starts_with(is_name_start_char) {
        out.insert(0, '_');
    }
    std::borrow::Cow::Owned(out)
}

fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// A conservative reading of XML's NameStartChar, without `:` (names carry no prefix).
fn is_name_start_char(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

/// A conservative reading of XML's NameChar, without `:`.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '-' | '.')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// A character XML 1.0 can carry (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML's white space (`S`).
fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Parses an XML body into the JSON tree the contract describes, ready for
/// [`decode_value`](crate::decode_value). See the [module documentation](self) for the rules.
///
/// Errors name the property path where they can: the offending element's for a bad value, the
/// chain of open elements for malformed XML.
pub fn from_xml(bytes: &[u8]) -> Result<Value, DecodeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(error(String::new(), "the body is empty"));
    }
    let root = parse(bytes)?;
    convert(root, String::new(), Role::Root)
}

/// An element as read, before it is known whether it is an object, an array or a scalar.
struct Node {
    /// Local name, prefix dropped.
    name: String,
    /// `xsi:nil`, when given.
    nil: Option<bool>,
    /// `xml:space="preserve"` in force.
    preserve: bool,
    /// All character data directly inside the element.
    text: String,
    children: Vec<Node>,
}

fn error(path: String, message: impl Into<String>) -> DecodeError {
    DecodeError {
        path,
        message: message.into(),
    }
}

/// The path of the open elements below the root, for errors found while reading.
fn open_path(stack: &[Node]) -> String {
    let mut path = String::new();
    for node in stack.iter().skip(1) {
        push_property(&mut path, &node.name);
    }
    path
}

fn push_property(path: &mut String, name: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(names::canonical(name).unwrap_or(name));
}

fn parse(bytes: &[u8]) -> Result<Node, DecodeError> {
    let mut reader = Reader::from_reader(bytes);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
    }
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            error(
                open_path(&stack),
                format!(
                    "not well-formed XML at byte {} ({e})",
                    reader.error_position()
                ),
            )
        })?;
        let at = reader.buffer_position();
        let malformed = |stack: &[Node], what: &str| {
            error(
                open_path(stack),
                format!("not well-formed XML at byte {at} ({what})"),
            )
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed(&stack, "more than one root element"));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(
                        &stack,
                        &format!("elements nest deeper than {MAX_DEPTH}"),
                    ));
                }
                let node = open(&start, stack.last()).map_err(|m| malformed(&stack, &m))?;
                stack.push(node);
            }
            Event::Empty(start) => {
                let node = open(&start, stack.last()).map_err(|m| malformed(&stack, &m))?;
                finish(node, &mut stack, &mut root);
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| malformed(&[], "an end tag without a start tag"))?;
                finish(node, &mut stack, &mut root);
            }
            Event::Text(text) => {
                let text = text
                    .xml10_content()
                    .map_err(|e| malformed(&stack, &e.to_string()))?;
                push_text(&mut stack, &text).map_err(|m| malformed(&stack, m))?;
            }
            Event::CData(data) => {
                let text = data
                    .xml10_content()
                    .map_err(|e| malformed(&stack, &e.to_string()))?;
                push_text(&mut stack, &text).map_err(|m| malformed(&stack, m))?;
            }
            Event::GeneralRef(reference) => {
                let c = resolve_reference(&reference).map_err(|m| malformed(&stack, &m))?;
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))
                    .map_err(|m| malformed(&stack, m))?;
            }
            Event::DocType(_) => {
                return Err(malformed(&stack, "a DOCTYPE is not allowed"));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        let message = format!("the document ends inside <{}>", open.name);
        return Err(error(open_path(&stack), message));
    }
    root.ok_or_else(|| error(String::new(), "the document has no root element"))
}

/// A node for a start (or empty-element) tag.
fn open(start: &BytesStart<'_>, parent: Option<&Node>) -> Result<Node, String> {
    let name = std::str::from_utf8(start.name().local_name().as_ref())
        .map_err(|_| "an element name is not UTF-8".to_owned())?
        .to_owned();
    let mut node = Node {
        name,
        nil: None,
        preserve: parent.is_some_and(|p| p.preserve),
        text: String::new(),
        children: Vec::new(),
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let (local, prefix) = attribute.key.decompose();
        let prefix = prefix.map(|p| p.into_inner());
        if prefix == Some(b"xmlns".as_slice()) || attribute.key.as_ref() == b"xmlns" {
            continue;
        }
        let local = local.into_inner();
        let is_nil = local.eq_ignore_ascii_case(b"nil");
        let is_space = prefix == Some(b"xml".as_slice()) && local == b"space";
        if !is_nil && !is_space {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?;
        if is_nil {
            node.nil = Some(
                decode::parse_bool(&value)
                    .ok_or_else(|| format!("nil=\"{value}\" is neither true nor false"))?,
            );
        } else {
            node.preserve = value.trim() == "preserve";
        }
    }
    Ok(node)
}

/// Attaches a closed element to its parent, or makes it the root.
fn finish(node: Node, stack: &mut [Node], root: &mut Option<Node>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn push_text(stack: &mut [Node], text: &str) -> Result<(), &'static str> {
    match stack.last_mut() {
        Some(node) => {
            node.text.push_str(text);
            Ok(())
        }
        None if text.chars().all(is_xml_space) => Ok(()),
        None => Err("text outside the root element"),
    }
}

/// The character an `&…;` reference stands for: a character reference or one of the five
/// predefined entities. Any other entity is an error: nothing is ever expanded.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, String> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c),
            _ => Err("a character reference to a character XML cannot carry".to_owned()),
        };
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    match &*name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!(
            "the entity &{other}; is not one of the five predefined ones, and no other is expanded"
        )),
    }
}

/// Where an element stands, which decides how its text and emptiness read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The document element: the resource itself.
    Root,
    /// A property of an object, named by the element.
    Property,
    /// An item of an array, its element named after its kind.
    Item,
}

fn convert(node: Node, path: String, role: Role) -> Result<Value, DecodeError> {
    if node.nil == Some(true) {
        return Ok(Value::Null);
    }
    let is_array_property =
        role == Role::Property && names::is_one_of(names::ARRAY_PROPERTIES, &node.name);
    if node.children.is_empty() {
        let has_text =
            !node.text.is_empty() && (node.preserve || !node.text.chars().all(is_xml_space));
        if has_text {
            return Ok(match role {
                Role::Property => decode::text_leaf(&node.name, node.text),
                Role::Root | Role::Item => typed_by_kind(&node.name, node.text),
            });
        }
        return Ok(if is_array_property {
            Value::Array(Vec::new())
        } else if node.nil == Some(false)
            || (role == Role::Item && node.name.eq_ignore_ascii_case("string"))
        {
            Value::String(String::new())
        } else if role == Role::Root {
            Value::Object(Map::new())
        } else {
            Value::Null
        });
    }
    if !node.text.chars().all(is_xml_space) {
        return Err(error(path, "text beside child elements (mixed content)"));
    }
    // Repeated children make an array only in a tree the wire types do not describe: a known
    // property that is not in ARRAY_PROPERTIES holds an object, and children named after a
    // property are that object's properties, given more than once.
    let repeated = node.children.len() >= 2
        && node
            .children
            .iter()
            .all(|c| c.name.eq_ignore_ascii_case(&node.children[0].name))
        && names::canonical(&node.name).is_none()
        && names::canonical(&node.children[0].name).is_none();
    if is_array_property || (role != Role::Root && repeated) {
        let items = node
            .children
            .into_iter()
            .enumerate()
            .map(|(i, child)| convert(child, format!("{path}[{i}]"), Role::Item))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::Array(items));
    }
    let mut map = Map::new();
    let mut seen = HashSet::with_capacity(node.children.len());
    for child in node.children {
        let mut child_path = path.clone();
        push_property(&mut child_path, &child.name);
        if !seen.insert(child.name.to_ascii_lowercase()) {
            return Err(decode::given_twice(child_path));
        }
        let key = child.name.clone();
        let value = convert(child, child_path, Role::Property)?;
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// Text of an array item or root, typed by its element name when that names a scalar kind.
fn typed_by_kind(kind: &str, text: String) -> Value {
    const INTEGERS: &[&str] = &[
        "long",
        "int",
        "short",
        "byte",
        "integer",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ];
    const FLOATS: &[&str] = &["double", "float", "decimal"];
    let typed = if kind.eq_ignore_ascii_case("boolean") {
        decode::parse_bool(&text).map(Value::Bool)
    } else if names::is_one_of(INTEGERS, kind) {
        decode::parse_integer(&text).map(Value::Number)
    } else if names::is_one_of(FLOATS, kind) {
        text.trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
    } else {
        None
    };
    typed.unwrap_or(Value::String(text))
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::json;

    use super::*;
    use crate::fixtures::*;
    use crate::*;

    const DECL: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
    const XSI_DECL: &str = " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

    /// Writes `value` as XML, reads it back, and checks it decodes to what its JSON decodes to.
    fn round_trip<T>(root: &str, value: &T) -> String
    where
        T: Serialize + DeserializeOwned + PartialEq + Debug,
    {
        let json = serde_json::to_value(value).unwrap();
        let xml = to_xml(root, &json);
        let tree = from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let back: T = decode_value(tree).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let expected: T = decode_value(json).unwrap();
        assert_eq!(back, expected, "{xml}");
        xml
    }

    fn decode_xml<T: DeserializeOwned>(xml: &str) -> Result<T, DecodeError> {
        decode_value(from_xml(xml.as_bytes())?)
    }

    #[test]
    fn fully_populated_customer_round_trips() {
        let customer = full_customer();
        // The fixture survives JSON unchanged, so the XML round trip gives back the original.
        let json = serde_json::to_value(&customer).unwrap();
        assert_eq!(decode_value::<Customer>(json).unwrap(), customer);
        let xml = round_trip("Customer", &customer);
        assert!(xml.starts_with(&format!("{DECL}<Customer>")), "{xml}");
        assert!(xml.ends_with("</Customer>"), "{xml}");
        assert!(xml.contains("<allowDelegatedAccess>false</allowDelegatedAccess>"));
        assert!(xml.contains("<relationshipToPartner>microsoft_support</relationshipToPartner>"));
        assert!(xml.contains(
            "<customDomains><string>contoso.onmicrosoft.com</string><string>contoso.example</string></customDomains>"
        ));
        assert!(xml.contains("<companyName>Contoso &amp; Sons &lt;Ltd&gt;</companyName>"));
        assert!(xml.contains("<password>p&amp;ss&lt;w&gt;rd\"'1234567</password>"));
        assert!(xml.contains(
            "<headers><KeyValuePair><key>MS-ContinuationToken</key><value>tok&lt;&amp;&gt;\"'en</value></KeyValuePair>"
        ));
        assert!(!xml.contains("xsi"), "no nil anywhere, so no xsi: {xml}");
    }

    #[test]
    fn profiles_relationship_and_fault_round_trip() {
        let xml = round_trip("CustomerBillingProfile", &full_billing_profile());
        assert!(xml.contains("<etag>-4611686018427387904</etag>"), "{xml}");
        assert!(xml.contains("<firstName>Zoë</firstName>"), "{xml}");
        round_trip("CustomerCompanyProfile", &full_company_profile());
        let xml = round_trip("PartnerRelationship", &full_relationship());
        assert!(xml.contains("<relationshipType>is_indirect_reseller_of</relationshipType>"));
        let xml = round_trip("ApiFault", &full_fault());
        assert!(xml.contains("<code>27002</code>"), "{xml}");
        assert!(xml.contains(
            "<data><string>property_name: billingProfile.email - not an e-mail address</string><string>correlation: 1</string></data>"
        ));
        round_trip("ApiFault", &ApiFault::new(1000, "Not found.", vec![]));
        let mut one = full_fault();
        one.data.truncate(1);
        round_trip("ApiFault", &one);
    }

    #[test]
    fn collection_with_continuation_round_trips() {
        let page = full_page();
        let xml = round_trip("ResourceCollection", &page);
        assert!(
            xml.starts_with(&format!("{DECL}<ResourceCollection>")),
            "{xml}"
        );
        assert!(xml.contains("<totalCount>2</totalCount>"), "{xml}");
        assert!(
            xml.contains("<items><Customer><allowDelegatedAccess>"),
            "{xml}"
        );
        assert!(xml.contains("</Customer><Customer>"), "{xml}");
        assert!(
            xml.contains("<continuationToken>opaque+token/with=chars&amp;more</continuationToken>")
        );
        assert!(xml.contains("<next><headers><KeyValuePair><key>MS-ContinuationToken</key>"));
        // One item, and none, still read back as arrays.
        let one = ResourceCollection::new(vec![full_customer()], ResourceLinks::to_self("/c"));
        round_trip("ResourceCollection", &one);
        let none = ResourceCollection::<Customer>::new(vec![], ResourceLinks::to_self("/c"));
        let xml = round_trip("ResourceCollection", &none);
        assert!(xml.contains("<items/>"), "{xml}");
        // Sparse list items, as the list route sends them.
        let sparse = Customer {
            id: Some("t".into()),
            company_profile: Some(CustomerCompanyProfile {
                tenant_id: Some("t".into()),
                domain: Some("d.onmicrosoft.com".into()),
                ..Default::default()
            }),
            relationship_to_partner: Some(CustomerPartnerRelationship::Reseller),
            links: Some(ResourceLinks::to_self("/customers/t")),
            attributes: Some(ResourceAttributes::of("Customer")),
            ..Default::default()
        };
        round_trip(
            "ResourceCollection",
            &ResourceCollection::new(vec![sparse.clone(), sparse], ResourceLinks::default()),
        );
    }

    #[test]
    fn exact_shape_of_a_small_document() {
        let fault = json!({"code": 800002, "data": ["a<b", ""], "description": "Bad & worse", "source": "PartnerFD"});
        assert_eq!(
            to_xml("ApiFault", &fault),
            format!(
                "{DECL}<ApiFault{XSI_DECL}><code>800002</code><data><string>a&lt;b</string>\
                 <string xsi:nil=\"false\"/></data><description>Bad &amp; worse</description>\
                 <source>PartnerFD</source></ApiFault>"
            )
        );
        let tree = json!({
            "a": null,
            "flags": [true, 1, -2, 1.5, null, {"k": "v"}, [1]],
            "headers": [{"key": "k", "value": " "}],
            "items": [{"attributes": {"objectType": "Thing"}, "x": 1}, {"attributes": {"objectType": "not a name"}}],
            "obj": {},
            "z": {"n": null}
        });
        assert_eq!(
            to_xml("Root", &tree),
            format!(
                "{DECL}<Root{XSI_DECL}><flags><boolean>true</boolean><long>1</long><long>-2</long>\
                 <double>1.5</double><anyType xsi:nil=\"true\"/><anyType><k>v</k></anyType>\
                 <anyType><long>1</long></anyType></flags><headers><KeyValuePair><key>k</key>\
                 <value xml:space=\"preserve\"> </value></KeyValuePair></headers><items><Thing>\
                 <attributes><objectType>Thing</objectType></attributes><x>1</x></Thing><anyType>\
                 <attributes><objectType>not a name</objectType></attributes></anyType></items>\
                 <obj/><z/></Root>"
            )
        );
    }

    #[test]
    fn top_level_scalars_use_the_root_name() {
        assert_eq!(
            to_xml("boolean", &json!(true)),
            format!("{DECL}<boolean>true</boolean>")
        );
        assert_eq!(
            from_xml(to_xml("boolean", &json!(false)).as_bytes()).unwrap(),
            json!(false)
        );
        assert_eq!(
            from_xml(to_xml("long", &json!(-5)).as_bytes()).unwrap(),
            json!(-5)
        );
        assert_eq!(
            from_xml(to_xml("string", &json!("x")).as_bytes()).unwrap(),
            json!("x")
        );
        assert_eq!(
            from_xml(to_xml("string", &json!("")).as_bytes()).unwrap(),
            json!("")
        );
        assert_eq!(
            from_xml(to_xml("x", &json!(null)).as_bytes()).unwrap(),
            json!(null)
        );
        assert_eq!(from_xml(b"<Customer/>").unwrap(), json!({}));
        assert_eq!(
            from_xml(b"<boolean>maybe</boolean>").unwrap(),
            json!("maybe")
        );
        assert_eq!(from_xml(b"<double>2.5</double>").unwrap(), json!(2.5));
    }

    #[test]
    fn text_escaping_and_characters_xml_cannot_carry() {
        let value = json!({"a": "x\r\ny\tz\n", "b": "\u{1}\u{FFFE}ok", "c": "]]>", "d": "\r"});
        let xml = to_xml("R", &value);
        assert!(xml.contains("<a>x&#xD;\ny\tz\n</a>"), "{xml}");
        assert!(xml.contains("<b>\u{FFFD}\u{FFFD}ok</b>"), "{xml}");
        assert!(xml.contains("<c>]]&gt;</c>"), "{xml}");
        assert!(xml.contains("<d xml:space=\"preserve\">&#xD;</d>"), "{xml}");
        assert_eq!(
            from_xml(xml.as_bytes()).unwrap(),
            json!({"a": "x\r\ny\tz\n", "b": "\u{FFFD}\u{FFFD}ok", "c": "]]>", "d": "\r"})
        );
    }

    #[test]
    fn names_that_are_not_xml_names_are_made_valid() {
        let xml = to_xml(
            "bad root",
            &json!({"1st": "a", "a:b": "c", "": "d", "ok-name.x": "e"}),
        );
        assert!(xml.contains("<bad_root>"), "{xml}");
        assert!(xml.contains("<_1st>a</_1st>"), "{xml}");
        assert!(xml.contains("<a_b>c</a_b>"), "{xml}");
        assert!(xml.contains("<_>d</_>"), "{xml}");
        assert!(xml.contains("<ok-name.x>e</ok-name.x>"), "{xml}");
        from_xml(xml.as_bytes()).unwrap();
    }

    #[test]
    fn lenient_input_in_the_style_of_real_clients() {
        // DataContractSerializer style: default namespace, `i:nil`, PascalCase.
        let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
            <!-- a comment -->\r\n\
            <Customer xmlns=\"http://schemas.datacontract.org/2004/07/Microsoft.Store.PartnerCenter.Models.Customers\"\r\n\
                      xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\r\n\
              <AllowDelegatedAccess>False</AllowDelegatedAccess>\r\n\
              <BillingProfile>\r\n\
                <CompanyName><![CDATA[Fabrikam <& Co>]]></CompanyName>\r\n\
                <Culture>EN-us</Culture>\r\n\
                <DefaultAddress>\r\n\
                  <AddressLine1>1 Microsoft Way</AddressLine1>\r\n\
                  <City>Redmond</City>\r\n\
                  <Country>US</Country>\r\n\
                  <Region i:nil=\"true\" />\r\n\
                  <AddressLine2></AddressLine2>\r\n\
                  <AddressLine3>   </AddressLine3>\r\n\
                  <State>WA</State>\r\n\
                </DefaultAddress>\r\n\
                <Email>a@b.example</Email>\r\n\
                <FirstName>A &amp; B &#233;&#x1F600;</FirstName>\r\n\
                <Links i:nil=\"true\"/>\r\n\
              </BillingProfile>\r\n\
              <CompanyProfile><Domain>fabrikam.onmicrosoft.com</Domain></CompanyProfile>\r\n\
              <p:CustomDomains xmlns:p=\"urn:x\"><p:string>fabrikam.onmicrosoft.com</p:string></p:CustomDomains>\r\n\
              <RelationshipToPartner>None</RelationshipToPartner>\r\n\
              <Unknown><Deep>ignored</Deep></Unknown>\r\n\
            </Customer>\r\n";
        let c: Customer = decode_xml(xml).unwrap();
        assert_eq!(c.allow_delegated_access, Some(false));
        assert_eq!(
            c.relationship_to_partner,
            Some(CustomerPartnerRelationship::None)
        );
        assert_eq!(
            c.custom_domains,
            Some(vec!["fabrikam.onmicrosoft.com".to_owned()])
        );
        let b = c.billing_profile.unwrap();
        assert_eq!(b.company_name.as_deref(), Some("Fabrikam <& Co>"));
        assert_eq!(b.first_name.as_deref(), Some("A & B é😀"));
        assert_eq!(b.culture.as_deref(), Some("EN-us"));
        assert_eq!(b.links, None);
        let a = b.default_address.unwrap();
        assert_eq!(a.region, None);
        assert_eq!(a.address_line2, None, "an empty element is not given");
        assert_eq!(a.address_line3, None, "whitespace alone is not given");
        assert_eq!(a.city.as_deref(), Some("Redmond"));
        assert_eq!(
            c.company_profile.unwrap().domain.as_deref(),
            Some("fabrikam.onmicrosoft.com")
        );
    }

    #[test]
    fn typed_text_properties() {
        for (text, expected) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            (" false ", false),
            ("0", false),
        ] {
            let c: Customer = decode_xml(&format!(
                "<Customer><allowDelegatedAccess>{text}</allowDelegatedAccess></Customer>"
            ))
            .unwrap();
            assert_eq!(c.allow_delegated_access, Some(expected), "{text}");
        }
        let err = decode_xml::<Customer>(
            "<Customer><allowDelegatedAccess>maybe</allowDelegatedAccess></Customer>",
        )
        .unwrap_err();
        assert_eq!(err.path, "allowDelegatedAccess");
        let err = decode_xml::<ResourceCollection<Customer>>(
            "<ResourceCollection><totalCount>many</totalCount><items/></ResourceCollection>",
        )
        .unwrap_err();
        assert_eq!(err.path, "totalCount");
        let fault: ApiFault =
            decode_xml("<ApiFault><Code> 2000 </Code><Description>d</Description></ApiFault>")
                .unwrap();
        assert_eq!(fault.code, 2000);
        // An ordinal works for enums as text, as in JSON.
        let c: Customer =
            decode_xml("<Customer><relationshipToPartner>4</relationshipToPartner></Customer>")
                .unwrap();
        assert_eq!(
            c.relationship_to_partner,
            Some(CustomerPartnerRelationship::MicrosoftSupport)
        );
        // A string property keeps text that looks like a number or a boolean.
        let p: CustomerBillingProfile = decode_xml(
            "<CustomerBillingProfile><companyName>true</companyName><attributes><etag>007</etag></attributes></CustomerBillingProfile>",
        )
        .unwrap();
        assert_eq!(p.company_name.as_deref(), Some("true"));
        assert_eq!(p.attributes.unwrap().etag.as_deref(), Some("007"));
    }

    #[test]
    fn array_detection() {
        assert_eq!(
            from_xml(b"<R><customDomains><string>a</string></customDomains></R>").unwrap(),
            json!({"customDomains": ["a"]})
        );
        assert_eq!(
            from_xml(
                b"<R><CUSTOMDOMAINS/><Data></Data><headers xsi:nil='false' xmlns:xsi='x'/></R>"
            )
            .unwrap(),
            json!({"CUSTOMDOMAINS": [], "Data": [], "headers": []})
        );
        assert_eq!(
            from_xml(b"<R><customDomains xsi:nil='true' xmlns:xsi='x'/></R>").unwrap(),
            json!({"customDomains": null})
        );
        // Unknown wrappers: two or more same-named children make an array, in any casing.
        assert_eq!(
            from_xml(b"<R><list><N>1</N><n>2</n></list><one><N>1</N></one></R>").unwrap(),
            json!({"list": ["1", "2"], "one": {"N": "1"}})
        );
        // Items of a known array keep whatever names they have; empty string items are "".
        assert_eq!(
            from_xml(b"<R><items><a><id>1</id></a><b><id>2</id></b></items><data><string/><x/></data></R>")
                .unwrap(),
            json!({"items": [{"id": "1"}, {"id": "2"}], "data": ["", null]})
        );
        // Headers of a link, one of them.
        let link: Link = decode_xml(
            "<Link><uri>/x</uri><method>GET</method><headers><KeyValuePair><key>k</key><value>v</value></KeyValuePair></headers></Link>",
        )
        .unwrap();
        assert_eq!(
            link.headers,
            vec![KeyValuePair {
                key: "k".into(),
                value: "v".into()
            }]
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        let cases: &[&[u8]] = &[
            b"",
            b"   \n",
            b"not xml",
            b"<Customer>",
            b"<Customer><id>x</Customer>",
            b"<Customer></customer>",
            b"<a/><b/>",
            b"<a/>text",
            b"text<a/>",
            b"<a><b>x</b>mixed</a>",
            b"<a x='1' x='2'/>",
            b"<a x=1/>",
            b"<a>&bogus;</a>",
            b"<a>&#0;</a>",
            b"<a>&#xFFFE;</a>",
            b"<a>& b</a>",
            b"<a>\xFF\xFE</a>",
            b"<\xFFa/>",
            b"<a nil='perhaps'/>",
            b"<a><!-- x -- y --></a>",
            b"</a>",
            b"<a><id>1</id><ID>2</ID><x/></a>",
        ];
        for case in cases {
            assert!(
                from_xml(case).is_err(),
                "{} should be refused",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn errors_name_the_path() {
        let err = from_xml(
            b"<Customer><BillingProfile><DefaultAddress><City>a &nope; b</City></DefaultAddress></BillingProfile></Customer>",
        )
        .unwrap_err();
        assert_eq!(err.path, "billingProfile.defaultAddress.city", "{err}");
        let err =
            from_xml(b"<Customer><billingProfile>x<email>e</email></billingProfile></Customer>")
                .unwrap_err();
        assert_eq!(err.path, "billingProfile", "{err}");
        assert!(err.message.contains("mixed"), "{err}");
        let err = from_xml(b"<Customer><BillingProfile><Email>a</Email><email>b</email><x/></BillingProfile></Customer>")
            .unwrap_err();
        assert_eq!(err.path, "billingProfile.email", "{err}");
        let err = decode_xml::<Customer>(
            "<Customer><customDomains><string>a</string><string><x>1</x></string></customDomains></Customer>",
        )
        .unwrap_err();
        assert_eq!(err.path, "customDomains[1]", "{err}");
    }

    #[test]
    fn a_property_given_twice_is_an_error_but_repeated_items_are_not() {
        for (xml, path) in [
            // Only the two of them, which must not read as an array of two.
            (
                "<Customer><CompanyProfile><Domain>a</Domain><domain>b</domain></CompanyProfile></Customer>",
                "companyProfile.domain",
            ),
            (
                "<Customer><billingProfile><Email>a</Email><culture>en</culture><EMAIL>b</EMAIL></billingProfile></Customer>",
                "billingProfile.email",
            ),
            ("<Customer><email>a</email><Email>b</Email></Customer>", "email"),
            (
                "<Customer><BillingProfile/><billingProfile><email>b</email></billingProfile></Customer>",
                "billingProfile",
            ),
            (
                "<ResourceCollection><items><Customer><id>1</id><ID>2</ID></Customer></items></ResourceCollection>",
                "items[0].id",
            ),
            (
                "<Customer><unknown><email>a</email><email>b</email></unknown></Customer>",
                "unknown.email",
            ),
        ] {
            let err = from_xml(xml.as_bytes()).unwrap_err();
            assert_eq!(err.path, path, "{xml}");
            assert_eq!(
                err.to_string(),
                format!("Property '{path}' is invalid: it is given more than once"),
                "{xml}"
            );
        }
        // Items of an array repeat their element name, and may repeat their value.
        let c: Customer = decode_xml(
            "<Customer><customDomains><string>a.example</string><String>a.example</String></customDomains></Customer>",
        )
        .unwrap();
        assert_eq!(
            c.custom_domains,
            Some(vec!["a.example".to_owned(), "a.example".to_owned()])
        );
        assert_eq!(
            from_xml(b"<R><items><Customer><id>1</id></Customer><customer><id>1</id></customer></items></R>")
                .unwrap(),
            json!({"items": [{"id": "1"}, {"id": "1"}]})
        );
        // An unknown wrapper of unknown, repeated elements is still an array.
        assert_eq!(
            from_xml(b"<R><list><N>1</N><n>1</n></list></R>").unwrap(),
            json!({"list": ["1", "1"]})
        );
    }

    #[test]
    fn empty_optional_text_is_not_given() {
        // `xsi:nil="false"` makes an empty string, which means "not given" where optional.
        let p: CustomerBillingProfile = decode_xml(
            "<CustomerBillingProfile xmlns:i='http://www.w3.org/2001/XMLSchema-instance'>\
             <firstName i:nil='false'/><lastName>L</lastName><defaultAddress><region/>\
             <country>GB</country></defaultAddress></CustomerBillingProfile>",
        )
        .unwrap();
        assert_eq!(p.first_name, None);
        assert_eq!(p.last_name.as_deref(), Some("L"));
        assert_eq!(p.default_address.unwrap().region, None);
    }

    #[test]
    fn doctype_and_entities_are_never_expanded() {
        let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><c><id>&e;</id></c>";
        let err = from_xml(xxe).unwrap_err();
        assert!(err.message.contains("DOCTYPE"), "{err}");
        let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
            <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
            <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><lolz>&lol3;</lolz>";
        assert!(from_xml(laughs).is_err());
        // Without a DTD, a reference to an undeclared entity is refused too.
        assert!(from_xml(b"<c><id>&lol3;</id></c>").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        let depth = 100_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let err = from_xml(doc.as_bytes()).unwrap_err();
        assert!(err.message.contains("deeper"), "{err}");
        let ok = format!("{}x{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        from_xml(ok.as_bytes()).unwrap();
        let too_deep = format!(
            "{}x{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(from_xml(too_deep.as_bytes()).is_err());
    }

    /// Any string XML 1.0 can carry, biased toward what needs escaping.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>().prop_map(|s| s.chars().filter(|c| is_xml_char(*c)).collect()),
            "[<>&\"' \t\r\nxé€😀\\]=+%;#]{0,12}",
            Just(String::new()),
            Just(" ".to_owned()),
        ]
    }

    fn opt_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(text())
    }

    fn address() -> impl Strategy<Value = Address> {
        (text(), proptest::collection::vec(opt_text(), 14)).prop_map(|(country, f)| Address {
            id: f[0].clone(),
            country: Some(country),
            region: f[1].clone(),
            city: f[2].clone(),
            state: f[3].clone(),
            district: f[4].clone(),
            address_line1: f[5].clone(),
            address_line2: f[6].clone(),
            address_line3: f[7].clone(),
            postal_code: f[8].clone(),
            first_name: f[9].clone(),
            middle_name: f[10].clone(),
            last_name: f[11].clone(),
            email_address: f[12].clone(),
            phone_number: f[13].clone(),
        })
    }

    fn link() -> impl Strategy<Value = Link> {
        (
            text(),
            text(),
            proptest::collection::vec((text(), text()), 0..3),
        )
            .prop_map(|(uri, method, headers)| Link {
                uri,
                method,
                headers: headers
                    .into_iter()
                    .map(|(key, value)| KeyValuePair { key, value })
                    .collect(),
            })
    }

    fn links() -> impl Strategy<Value = ResourceLinks> {
        (
            link(),
            proptest::option::of(link()),
            proptest::option::of(link()),
        )
            .prop_map(|(self_link, next, previous)| ResourceLinks {
                self_link: Some(self_link),
                next,
                previous,
            })
    }

    fn attributes() -> impl Strategy<Value = ResourceAttributes> {
        (text(), opt_text()).prop_map(|(object_type, etag)| ResourceAttributes {
            etag,
            object_type: Some(object_type),
        })
    }

    fn customer() -> impl Strategy<Value = Customer> {
        (
            (text(), proptest::collection::vec(opt_text(), 12)),
            (address(), address()),
            proptest::option::of(links()),
            proptest::option::of(attributes()),
            proptest::option::of(proptest::collection::vec(text(), 0..4)),
            proptest::option::of(any::<bool>()),
            proptest::option::of(proptest::sample::select(CustomerPartnerRelationship::ALL)),
        )
            .prop_map(
                |(
                    (id, f),
                    (company_address, billing_address),
                    links,
                    attributes,
                    domains,
                    delegated,
                    relationship,
                )| {
                    Customer {
                        id: Some(id),
                        commerce_id: f[0].clone(),
                        company_profile: Some(CustomerCompanyProfile {
                            tenant_id: f[1].clone(),
                            domain: f[2].clone(),
                            company_name: f[3].clone(),
                            address: Some(company_address),
                            email: f[4].clone(),
                            organization_registration_number: f[5].clone(),
                            links: links.clone(),
                            attributes: attributes.clone(),
                        }),
                        billing_profile: Some(CustomerBillingProfile {
                            id: f[6].clone(),
                            first_name: f[7].clone(),
                            last_name: f[8].clone(),
                            email: f[9].clone(),
                            culture: f[10].clone(),
                            language: f[11].clone(),
                            company_name: f[3].clone(),
                            default_address: Some(billing_address),
                            links: links.clone(),
                            attributes: attributes.clone(),
                        }),
                        relationship_to_partner: relationship,
                        allow_delegated_access: delegated,
                        user_credentials: Some(UserCredentials {
                            user_name: f[0].clone(),
                            password: Some("fixed".into()),
                        }),
                        custom_domains: domains,
                        associated_partner_id: f[2].clone(),
                        links,
                        attributes,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn random_customers_round_trip(customer in customer()) {
            let json = serde_json::to_value(&customer).unwrap();
            // What the JSON decodes to: the customer, with empty optional text not given.
            let expected: Customer = decode_value(json.clone()).unwrap();
            let xml = to_xml("Customer", &json);
            let back: Customer = decode_value(from_xml(xml.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
            prop_assert_eq!(&back, &expected, "{}", xml);
        }

        #[test]
        fn random_pages_round_trip(
            items in proptest::collection::vec(customer(), 0..3),
            links in links(),
            token in opt_text(),
        ) {
            let mut page = ResourceCollection::new(items, links);
            page.continuation_token = token;
            let json = serde_json::to_value(&page).unwrap();
            let expected: ResourceCollection<Customer> = decode_value(json.clone()).unwrap();
            let xml = to_xml("ResourceCollection", &json);
            let back: ResourceCollection<Customer> = decode_value(from_xml(xml.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
            prop_assert_eq!(&back, &expected, "{}", xml);
        }

        #[test]
        fn random_faults_and_relationships_round_trip(
            code in any::<i64>(),
            description in text(),
            data in proptest::collection::vec(text(), 0..4),
            source in text(),
            id in text(),
            rest in proptest::collection::vec(opt_text(), 3),
            kind in proptest::sample::select(PartnerRelationshipType::ALL),
        ) {
            let fault = ApiFault { code, description, data, source, details: None };
            let xml = to_xml("ApiFault", &serde_json::to_value(&fault).unwrap());
            let back: ApiFault = decode_value(from_xml(xml.as_bytes()).unwrap()).unwrap();
            prop_assert_eq!(back, fault);
            let relationship = PartnerRelationship {
                id,
                name: rest[0].clone(),
                relationship_type: kind,
                state: rest[1].clone(),
                location: rest[1].clone(),
                mpn_id: rest[2].clone(),
                attributes: Some(ResourceAttributes::of("PartnerRelationship")),
            };
            let json = serde_json::to_value(&relationship).unwrap();
            let expected: PartnerRelationship = decode_value(json.clone()).unwrap();
            let xml = to_xml("PartnerRelationship", &json);
            let back: PartnerRelationship = decode_value(from_xml(xml.as_bytes()).unwrap()).unwrap();
            prop_assert_eq!(back, expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = from_xml(&bytes);
        }

        #[test]
        fn damaged_documents_never_panic(cut in 0usize..4000, flip in 0usize..4000, byte in any::<u8>()) {
            let mut doc = to_xml("ResourceCollection", &serde_json::to_value(full_page()).unwrap()).into_bytes();
            let at = flip % doc.len();
            if let Some(b) = doc.get_mut(at) {
                *b = byte;
            }
            doc.truncate(cut % (doc.len() + 1));
            if let Ok(tree) = from_xml(&doc) {
                let _ = decode_value::<ResourceCollection<Customer>>(tree);
            }
        }
    }
}
