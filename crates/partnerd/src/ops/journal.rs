//! The request journal: the last N requests with their bodies, for the control plane.
//!
//! Memory is bounded twice: the journal is a ring of `capacity` entries, and every stored body
//! is cut to [`MAX_BODY_BYTES`] with a marker. A full journal of 1,000 entries therefore holds
//! at most about 32 MiB of bodies. Bodies must go through [`redact`] before they are recorded:
//! the journal is readable over HTTP, and passwords or tokens in it would outlive the request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize, Serializer};

/// Longest body kept per entry, in bytes; longer bodies are cut at a character boundary.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Longest path (with query string) kept per entry, in bytes.
const MAX_PATH_BYTES: usize = 2048;

/// What replaces a secret value.
const MASK: &str = "***";

/// Property names (compared case-insensitively) whose values are secrets.
const SECRET_NAMES: [&str; 11] = [
    "password",
    "client_secret",
    "clientSecret",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "code_verifier",
    "device_code",
    "userPassword",
];

/// One journaled request.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When the request arrived; serialized as RFC 3339 UTC with milliseconds
    /// (`2026-11-18T11:06:40.123Z`), which sorts as text and reads without a converter.
    #[serde(serialize_with = "serialize_rfc3339")]
    #[schemars(with = "String")]
    pub at: SystemTime,
    /// HTTP method.
    pub method: String,
    /// Path with query string, as received.
    pub path: String,
    /// The route pattern that matched (e.g. `/v1/customers/{id}`).
    pub route: String,
    /// Response status.
    pub status: u16,
    /// Time to answer, in milliseconds.
    pub latency_ms: f64,
    /// The calling partner's tenant id, once authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// `MS-CorrelationId` of the request.
    pub correlation_id: String,
    /// `MS-RequestId` of the request.
    pub request_id: String,
    /// The request body, redacted and possibly truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// The response body, redacted and possibly truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
}

/// Filters for [`Journal::query`]; every field is optional and they combine with "and".
/// Deserializable so the control plane can take it straight from a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JournalQuery {
    /// Exact `MS-CorrelationId`, case-insensitive.
    pub correlation_id: Option<String>,
    /// Exact `MS-RequestId`, case-insensitive.
    pub request_id: Option<String>,
    /// Exact response status.
    pub status: Option<u16>,
    /// At most this many entries (newest first).
    pub limit: Option<usize>,
}

/// A bounded, thread-safe ring of recent requests. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    /// Entries are `Arc`ed so a query copies pointers under the lock and deep-copies the
    /// (possibly large) bodies after releasing it, keeping the hot path's `record` unblocked.
    entries: Mutex<VecDeque<Arc<Stored>>>,
}

/// A body as received or sent, kept raw: redaction costs a scan of the text, so it is paid
/// when the journal is read, not on every request.
#[derive(Debug, Clone)]
pub struct RawBody {
    /// Its media type.
    pub content_type: Option<axum::http::HeaderValue>,
    /// Its bytes (a cheap clone of the buffer the request or response already holds).
    pub bytes: axum::body::Bytes,
}

#[derive(Debug)]
struct Stored {
    entry: Entry,
    request: Option<RawBody>,
    response: Option<RawBody>,
}

/// An entry as stored: either complete, or as the request layer hands it over, cheap to make
/// (no text is built until the journal is read).
#[derive(Debug)]
enum Entry {
    Complete(JournalEntry),
    Raw(RawEntry),
}

/// What the request layer knows of an exchange, without formatting any of it.
#[derive(Debug)]
pub struct RawEntry {
    /// When the request arrived.
    pub at: SystemTime,
    /// HTTP method.
    pub method: axum::http::Method,
    /// Path with query string.
    pub path: String,
    /// The route pattern that matched.
    pub route: &'static str,
    /// Response status.
    pub status: u16,
    /// Time to answer, in milliseconds.
    pub latency_ms: f64,
    /// The calling partner, once authenticated.
    pub partner: Option<String>,
    /// The request's tracking ids.
    pub context: Option<Arc<crate::context::RequestContext>>,
}

impl Entry {
    fn matches(&self, q: &JournalQuery) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_deref()
                .is_none_or(|w| w.trim().eq_ignore_ascii_case(have))
        };
        let (correlation, request, status) = match self {
            Entry::Complete(e) => (e.correlation_id.as_str(), e.request_id.as_str(), e.status),
            Entry::Raw(r) => (
                r.context
                    .as_deref()
                    .map_or("", |c| c.correlation_id.as_str()),
                r.context.as_deref().map_or("", |c| c.request_id.as_str()),
                r.status,
            ),
        };
        same(&q.correlation_id, correlation)
            && same(&q.request_id, request)
            && q.status.is_none_or(|s| s == status)
    }

    fn to_entry(&self) -> JournalEntry {
        match self {
            Entry::Complete(e) => e.clone(),
            Entry::Raw(r) => JournalEntry {
                at: r.at,
                method: r.method.to_string(),
                path: r.path.clone(),
                route: r.route.to_owned(),
                status: r.status,
                latency_ms: r.latency_ms,
                partner: r.partner.clone(),
                correlation_id: r
                    .context
                    .as_deref()
                    .map(|c| c.correlation_id.clone())
                    .unwrap_or_default(),
                request_id: r
                    .context
                    .as_deref()
                    .map(|c| c.request_id.clone())
                    .unwrap_or_default(),
                request_body: None,
                response_body: None,
            },
        }
    }
}

impl Stored {
    fn render(&self) -> JournalEntry {
        if self.request.is_none() && self.response.is_none() {
            return self.entry.to_entry();
        }
        let text = |body: &Option<RawBody>| {
            body.as_ref().filter(|b| !b.bytes.is_empty()).map(|b| {
                let cut = &b.bytes[..b.bytes.len().min(MAX_BODY_BYTES)];
                let mut text = redact(b.content_type.as_ref().and_then(|c| c.to_str().ok()), cut);
                if b.bytes.len() > MAX_BODY_BYTES {
                    text.push_str(&format!("…[truncated, {} bytes]", b.bytes.len()));
                }
                text
            })
        };
        JournalEntry {
            request_body: text(&self.request),
            response_body: text(&self.response),
            ..self.entry.to_entry()
        }
    }
}

impl Journal {
    /// A journal keeping the last `capacity` requests; 0 disables it.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            // Grow on demand: a large capacity should not cost memory before it is used.
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(256))),
        }
    }

    /// Whether the journal keeps anything (capacity above 0).
    pub fn is_on(&self) -> bool {
        self.capacity > 0
    }

    /// Records one request, evicting the oldest when full. Bodies and path are cut to their
    /// limits here, before the lock is taken.
    pub fn record(&self, mut entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        truncate(&mut entry.path, MAX_PATH_BYTES);
        for body in [&mut entry.request_body, &mut entry.response_body]
            .into_iter()
            .flatten()
        {
            truncate(body, MAX_BODY_BYTES);
        }
        self.push(Stored {
            entry: Entry::Complete(entry),
            request: None,
            response: None,
        });
    }

    /// Records one request with its raw bodies, which are redacted (and cut) when read.
    pub fn record_raw(
        &self,
        mut entry: RawEntry,
        request: Option<RawBody>,
        response: Option<RawBody>,
    ) {
        if self.capacity == 0 {
            return;
        }
        truncate(&mut entry.path, MAX_PATH_BYTES);
        self.push(Stored {
            entry: Entry::Raw(entry),
            request,
            response,
        });
    }

    fn push(&self, stored: Stored) {
        let entry = Arc::new(stored);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The entries matching `q`, newest first.
    pub fn query(&self, q: &JournalQuery) -> Vec<JournalEntry> {
        let limit = q.limit.unwrap_or(usize::MAX);
        let hits: Vec<Arc<Stored>> = {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries
                .iter()
                .rev()
                .filter(|s| s.entry.matches(q))
                .take(limit)
                .cloned()
                .collect()
        };
        hits.iter().map(|s| s.render()).collect()
    }
}

/// Cuts `s` to at most `max` bytes (at a character boundary) and appends a marker saying how
/// long it was; also releases spare capacity so a huge body does not stay allocated.
fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let total = s.len();
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str(&format!("…[truncated, {total} bytes]"));
    }
    if s.capacity() > s.len() + 1024 {
        s.shrink_to_fit();
    }
}

fn serialize_rfc3339<S: Serializer>(at: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*at))
}

/// `YYYY-MM-DDThh:mm:ss.mmmZ`, built on the crate's calendar code in [`crate::clock`].
fn rfc3339(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    // entra_timestamp gives "YYYY-MM-DD hh:mm:ssZ"; only the separator and fraction differ.
    let base = crate::clock::entra_timestamp(secs);
    match (base.get(..10), base.get(11..19)) {
        (Some(date), Some(time)) => format!("{date}T{time}.{:03}Z", since.subsec_millis()),
        _ => base,
    }
}

/// A body as text safe to keep: secret property values and anything shaped like a JWT are
/// replaced by `***`.
///
/// The format comes from the media type: `application/x-www-form-urlencoded` is treated as
/// form pairs (the key's last path segment, as in `userCredentials.password` or
/// `userCredentials[password]`, is the property name); `application/xml`/`text/xml` (and
/// `+xml`) as XML elements; everything else, including no media type, as JSON. JSON is
/// redacted lexically rather than parsed and re-serialized, so the journal shows the body as
/// sent (property order, case, whitespace) and malformed or truncated JSON is redacted too.
/// In JSON and XML a numeric `code` is kept: it is the error code of fault bodies, while
/// OAuth authorization codes are never bare numbers.
/// Bodies that are not UTF-8 become a short placeholder.
pub fn redact(content_type: Option<&str>, body: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(body) else {
        return format!("<{} bytes, not UTF-8>", body.len());
    };
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let redacted = if essence == "application/x-www-form-urlencoded" {
        redact_form(text)
    } else if essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml") {
        redact_xml(text)
    } else {
        redact_json(text)
    };
    redact_jwts(&redacted)
}

fn is_secret(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Whether `value` of property `name` may stay: only a plain integer under `code`.
fn keep_value(name: &str, value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    name.eq_ignore_ascii_case("code")
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Form pairs: values of secret keys are masked; everything else is kept as sent.
fn redact_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, pair) in text.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let (raw_key, value) = match pair.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (pair, None),
        };
        let key: String = form_urlencoded::parse(raw_key.as_bytes())
            .next()
            .map(|(k, _)| k.into_owned())
            .unwrap_or_default();
        let name = key
            .trim_end_matches(']')
            .rsplit(['.', '['])
            .next()
            .unwrap_or_default();
        out.push_str(raw_key);
        if let Some(value) = value {
            out.push('=');
            // No numeric-code exception here: forms are OAuth requests, where `code` is
            // always the authorization code.
            if is_secret(name) {
                out.push_str(MASK);
            } else {
                out.push_str(value);
            }
        }
    }
    out
}

/// Byte index just past the JSON string starting at `start` (a `"`), or the end of the text
/// for an unterminated one.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Byte index just past the JSON value starting at `start`: a string, a balanced object or
/// array, or a bare literal. Tolerates malformed input by stopping at the end of the text.
fn value_end(b: &[u8], start: usize) -> usize {
    match b.get(start) {
        None => start,
        Some(b'"') => string_end(b, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b.len()
        }
        Some(_) => {
            let mut i = start;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']') && !b[i].is_ascii_whitespace()
            {
                i += 1;
            }
            i
        }
    }
}

/// JSON, lexically: every string followed by `:` is a property name; a secret one has its
/// value (whatever its type, except `null`) replaced by `"***"`, at any depth.
fn redact_json(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let end = string_end(b, i);
        let colon = skip_ws(b, end);
        if b.get(colon) != Some(&b':') {
            i = end;
            continue;
        }
        let raw = &text[i..end];
        // Unescape so `"pass\u0077ord"` is caught as well; fall back to the raw inside.
        let name: std::borrow::Cow<str> = serde_json::from_str::<String>(raw)
            .map(Into::into)
            .unwrap_or_else(|_| raw.trim_matches('"').into());
        let start = skip_ws(b, colon + 1);
        let stop = value_end(b, start);
        let value = &text[start..stop];
        if is_secret(&name) && value != "null" && !value.is_empty() && !keep_value(&name, value) {
            out.push_str(&text[copied..start]);
            out.push('"');
            out.push_str(MASK);
            out.push('"');
            copied = stop;
            i = stop;
        } else {
            i = start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// XML, lexically: the text content of an element whose local name (namespace prefix
/// dropped) is a secret is replaced by `***`; a CDATA section counts as content.
fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        let Some(gt) = rest[lt..].find('>').map(|g| lt + g) else {
            break;
        };
        let tag = &rest[lt + 1..gt];
        out.push_str(&rest[..=gt]);
        rest = &rest[gt + 1..];
        if tag.starts_with(['/', '?', '!']) || tag.ends_with('/') {
            continue;
        }
        let qname = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
        let local = qname.rsplit(':').next().unwrap_or(qname);
        if !is_secret(local) {
            continue;
        }
        let content_end = if rest.starts_with("<![CDATA[") {
            rest.find("]]>").map_or(rest.len(), |e| e + 3)
        } else {
            rest.find('<').unwrap_or(rest.len())
        };
        let content = &rest[..content_end];
        if content.trim().is_empty() || keep_value(local, content.trim()) {
            continue;
        }
        out.push_str(MASK);
        rest = &rest[content_end..];
    }
    out.push_str(rest);
    out
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Replaces every JWT-shaped run — `eyJ…` followed by two more dot-separated base64url
/// segments (the last may be empty, as in unsigned tokens) — with `***`, wherever it occurs.
fn redact_jwts(text: &str) -> String {
    if !text.contains("eyJ") {
        return text.to_owned();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("eyJ") {
        let start = search + found;
        search = start + 3;
        if start > 0 && is_b64url(b[start - 1]) {
            continue;
        }
        // Three segments: two must be non-empty and end in a dot; the third may be empty.
        let mut i = start;
        let mut ok = true;
        for _ in 0..2 {
            let seg = i;
            while i < b.len() && is_b64url(b[i]) {
                i += 1;
            }
            if i == seg || b.get(i) != Some(&b'.') {
                ok = false;
                break;
            }
            i += 1;
        }
        if !ok {
            continue;
        }
        while i < b.len() && is_b64url(b[i]) {
            i += 1;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = i;
        search = i;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_x";

    fn entry(n: u32, status: u16) -> JournalEntry {
        JournalEntry {
            at: UNIX_EPOCH + Duration::from_millis(1_795_000_000_123),
            method: "GET".into(),
            path: format!("/v1/customers?size={n}"),
            route: "/v1/customers".into(),
            status,
            latency_ms: 1.5,
            partner: None,
            correlation_id: format!("CORR-{n}"),
            request_id: format!("req-{n}"),
            request_body: None,
            response_body: None,
        }
    }

    #[test]
    fn serializes_camel_case_with_rfc3339_time() {
        let mut e = entry(1, 200);
        e.partner = Some("p".into());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["at"], "2026-11-18T11:06:40.123Z");
        assert_eq!(v["latencyMs"], 1.5);
        assert_eq!(v["correlationId"], "CORR-1");
        assert_eq!(v["requestId"], "req-1");
        assert_eq!(v["partner"], "p");
        assert!(v.get("requestBody").is_none());
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn ring_keeps_the_newest_and_queries_filter() {
        let j = Journal::new(3);
        for n in 0..5 {
            j.record(entry(n, if n % 2 == 0 { 200 } else { 404 }));
        }
        let all = j.query(&JournalQuery::default());
        let ids: Vec<_> = all.iter().map(|e| e.request_id.as_str()).collect();
        assert_eq!(ids, ["req-4", "req-3", "req-2"]);

        let by_corr = j.query(&JournalQuery {
            correlation_id: Some("corr-3".into()),
            ..Default::default()
        });
        assert_eq!(by_corr.len(), 1);
        assert_eq!(by_corr[0].request_id, "req-3");

        let by_req = j.query(&JournalQuery {
            request_id: Some("REQ-2".into()),
            ..Default::default()
        });
        assert_eq!(by_req.len(), 1);

        let gone = j.query(&JournalQuery {
            request_id: Some("req-1".into()),
            ..Default::default()
        });
        assert!(gone.is_empty());

        let ok = j.query(&JournalQuery {
            status: Some(200),
            ..Default::default()
        });
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].request_id, "req-4");

        let limited = j.query(&JournalQuery {
            limit: Some(1),
            ..Default::default()
        });
        assert_eq!(limited.len(), 1);
        assert_eq!(limited[0].request_id, "req-4");
    }

    #[test]
    fn zero_capacity_records_nothing() {
        let j = Journal::new(0);
        j.record(entry(1, 200));
        assert!(j.query(&JournalQuery::default()).is_empty());
    }

    #[test]
    fn bodies_are_truncated_with_a_marker() {
        let j = Journal::new(2);
        let mut e = entry(1, 200);
        // A multi-byte character straddles the limit: the cut must not split it.
        let body = format!("{}é{}", "a".repeat(MAX_BODY_BYTES - 1), "b".repeat(100));
        e.request_body = Some(body.clone());
        e.response_body = Some("short".into());
        j.record(e);
        let got = &j.query(&JournalQuery::default())[0];
        let stored = got.request_body.as_deref().unwrap();
        assert!(stored.starts_with(&"a".repeat(MAX_BODY_BYTES - 1)));
        assert!(stored.ends_with(&format!("…[truncated, {} bytes]", body.len())));
        assert!(!stored.contains('é'));
        assert!(stored.len() < MAX_BODY_BYTES + 64);
        assert_eq!(got.response_body.as_deref(), Some("short"));
    }

    #[test]
    fn json_secrets_are_masked_at_any_depth() {
        let body = br#"{"companyProfile":{"domain":"x.onmicrosoft.com"},
            "userCredentials":{"userName":"admin","Password":"S3cret!"},
            "items":[{"deep":{"CLIENTSECRET":"abc","n":1}}],"token":{"a":"b"},
            "userPassword":12345,"refresh_token":null}"#;
        let out = redact(Some("application/json; charset=utf-8"), body);
        assert!(!out.contains("S3cret!"), "{out}");
        assert!(!out.contains("abc"), "{out}");
        assert!(!out.contains("12345"), "{out}");
        assert!(out.contains(r#""Password":"***""#), "{out}");
        assert!(out.contains(r#""token":"***""#), "{out}");
        assert!(out.contains(r#""refresh_token":null"#), "{out}");
        assert!(out.contains(r#""userName":"admin""#), "{out}");
        // Still valid JSON, with the structure intact.
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["userCredentials"]["Password"], "***");
        assert_eq!(v["items"][0]["deep"]["n"], 1);
    }

    #[test]
    fn customer_user_credentials_password_is_masked() {
        let body = br#"{"billingProfile":{"email":"a@b.c"},"userCredentials":{"userName":"u","password":"hunter2"}}"#;
        // No Content-Type is read as JSON, as on the wire.
        let out = redact(None, body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["userCredentials"]["password"], "***");
        assert_eq!(v["userCredentials"]["userName"], "u");
        assert_eq!(v["billingProfile"]["email"], "a@b.c");
    }

    #[test]
    fn json_edge_cases() {
        // Escaped property names, escaped quotes in values, malformed/truncated JSON.
        let out = redact(Some("text/json"), br#"{"pass\u0077ord":"a\"b","x":"pass"}"#);
        assert_eq!(out, r#"{"pass\u0077ord":"***","x":"pass"}"#);
        let out = redact(None, br#"{"code":"abc", "password" : "xyz"#);
        assert_eq!(out, r#"{"code":"***", "password" : "***""#);
        // A numeric error code in a fault body is kept.
        let fault = br#"{"code":800002,"description":"bad","data":[],"source":"PartnerFD"}"#;
        assert_eq!(redact(None, fault), std::str::from_utf8(fault).unwrap());
        // Plain values that merely equal a secret name are not touched.
        assert_eq!(
            redact(None, br#"["password","token"]"#),
            r#"["password","token"]"#
        );
    }

    #[test]
    fn form_secrets_are_masked() {
        let body = b"grant_type=password&username=u%40x.com&Password=p%26ss&client_id=c\
            &CLIENT_SECRET=s3&code=123&userCredentials.password=x&userCredentials%5Bpassword%5D=y\
            &resource=https%3A%2F%2Fapi.partnercenter.microsoft.com&flag";
        let out = redact(Some("application/x-www-form-urlencoded"), body);
        assert_eq!(
            out,
            "grant_type=password&username=u%40x.com&Password=***&client_id=c\
            &CLIENT_SECRET=***&code=***&userCredentials.password=***&userCredentials%5Bpassword%5D=***\
            &resource=https%3A%2F%2Fapi.partnercenter.microsoft.com&flag"
        );
    }

    #[test]
    fn xml_secrets_are_masked() {
        let body = br#"<?xml version="1.0"?><Customer xmlns:a="urn:x"><userCredentials><userName>u</userName><a:Password>hunter2</a:Password><password><![CDATA[p<w]]></password><password/></userCredentials><code>800002</code></Customer>"#;
        let out = redact(Some("application/xml"), body);
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><Customer xmlns:a="urn:x"><userCredentials><userName>u</userName><a:Password>***</a:Password><password>***</password><password/></userCredentials><code>800002</code></Customer>"#
        );
    }

    #[test]
    fn jwts_are_masked_anywhere() {
        let body = format!(r#"{{"note":"Bearer {JWT} was used","assertion":"{JWT}"}}"#);
        let out = redact(Some("application/json"), body.as_bytes());
        assert_eq!(out, r#"{"note":"Bearer *** was used","assertion":"***"}"#);
        let form = format!("client_assertion={JWT}&x=1");
        assert_eq!(
            redact(Some("application/x-www-form-urlencoded"), form.as_bytes()),
            "client_assertion=***&x=1"
        );
        assert_eq!(redact(Some("text/plain"), b"eyJ.only"), "eyJ.only");
        assert_eq!(redact(None, b"xeyJa.b.c"), "xeyJa.b.c");
        assert_eq!(redact(None, b"eyJa.eyJb."), "***");
    }

    #[test]
    fn non_utf8_becomes_a_placeholder() {
        assert_eq!(
            redact(Some("application/json"), &[0xff, 0xfe, 0x00]),
            "<3 bytes, not UTF-8>"
        );
    }
}
