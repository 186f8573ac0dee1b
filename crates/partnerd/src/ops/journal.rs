//! The request journal: the last N requests with their bodies, for the control plane.
//!
//! Memory is bounded three ways: every stored body is cut to [`MAX_BODY_BYTES`] when it is
//! recorded (the cut part copied out, so a large response's buffer is not kept alive), with a
//! marker saying how long it was; the journal keeps at most `capacity` entries; and at most
//! `max_bytes` of paths and bodies, the oldest entries going first. Bodies go through
//! [`redact`] when they are read: the journal is readable over HTTP, and passwords or tokens
//! in it would outlive the request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize, Serializer};

use crate::ops::redact::redact;

/// Longest body kept per entry, in bytes; longer bodies are cut at a character boundary.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The default bound on the bytes the journal keeps (paths and bodies).
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What an entry costs besides its path and bodies (its fields and bookkeeping), counted
/// against `max_bytes` so that many bodiless entries are bounded too.
const ENTRY_OVERHEAD: usize = 256;

/// Longest path (with query string) kept per entry, in bytes.
const MAX_PATH_BYTES: usize = 2048;

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
    /// Exact route pattern (`/v1/customers/{id}`), case-insensitive.
    pub route: Option<String>,
    /// At most this many entries (newest first).
    pub limit: Option<usize>,
}

/// A bounded, thread-safe ring of recent requests. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    /// Entries are `Arc`ed so a query copies pointers under the lock and deep-copies the
    /// (possibly large) bodies after releasing it, keeping the hot path's `record` unblocked.
    /// With them, the bytes they hold.
    entries: Mutex<(VecDeque<Arc<Stored>>, usize)>,
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
    request: Option<KeptBody>,
    response: Option<KeptBody>,
}

/// A body as the journal keeps it: at most [`MAX_BODY_BYTES`] of it, and how long it was.
#[derive(Debug)]
struct KeptBody {
    content_type: Option<axum::http::HeaderValue>,
    bytes: axum::body::Bytes,
    total: usize,
}

impl KeptBody {
    fn keep(body: RawBody) -> Self {
        let total = body.bytes.len();
        let bytes = if total > MAX_BODY_BYTES {
            // A copy: a slice would keep the whole buffer alive.
            axum::body::Bytes::copy_from_slice(&body.bytes[..MAX_BODY_BYTES])
        } else {
            body.bytes
        };
        Self {
            content_type: body.content_type,
            bytes,
            total,
        }
    }
}

impl Stored {
    /// The bytes this entry holds, as counted against `max_bytes`.
    fn size(&self) -> usize {
        let text = match &self.entry {
            Entry::Complete(e) => {
                e.path.len()
                    + e.request_body.as_ref().map_or(0, String::len)
                    + e.response_body.as_ref().map_or(0, String::len)
            }
            Entry::Raw(r) => r.path.len(),
        };
        let kept = [&self.request, &self.response]
            .into_iter()
            .flatten()
            .map(|b| b.bytes.len())
            .sum::<usize>();
        ENTRY_OVERHEAD + text + kept
    }
}

/// An entry as stored: either complete, or as the request layer hands it over, cheap to make
/// (no text is built until the journal is read).
#[derive(Debug)]
enum Entry {
    Complete(JournalEntry),
    Raw(RawEntry),
}

/// The tracking ids of a request, read only when an entry is shown: the request layer hands
/// over its own shared context instead of copying the ids on every request.
pub trait TrackingIds: Send + Sync + std::fmt::Debug {
    /// `MS-CorrelationId`.
    fn correlation_id(&self) -> &str;
    /// `MS-RequestId`.
    fn request_id(&self) -> &str;
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
    pub context: Option<Arc<dyn TrackingIds>>,
}

impl Entry {
    fn matches(&self, q: &JournalQuery) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_deref()
                .is_none_or(|w| w.trim().eq_ignore_ascii_case(have))
        };
        let (correlation, request, status, route) = match self {
            Entry::Complete(e) => (
                e.correlation_id.as_str(),
                e.request_id.as_str(),
                e.status,
                e.route.as_str(),
            ),
            Entry::Raw(r) => (
                r.context.as_deref().map_or("", |c| c.correlation_id()),
                r.context.as_deref().map_or("", |c| c.request_id()),
                r.status,
                r.route,
            ),
        };
        same(&q.correlation_id, correlation)
            && same(&q.request_id, request)
            && same(&q.route, route)
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
                    .map(|c| c.correlation_id().to_owned())
                    .unwrap_or_default(),
                request_id: r
                    .context
                    .as_deref()
                    .map(|c| c.request_id().to_owned())
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
        let text = |body: &Option<KeptBody>| {
            body.as_ref().filter(|b| b.total > 0).map(|b| {
                let mut text = redact(
                    b.content_type.as_ref().and_then(|c| c.to_str().ok()),
                    &b.bytes,
                );
                if b.total > b.bytes.len() {
                    text.push_str(&format!("…[truncated, {} bytes]", b.total));
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
    /// A journal keeping the last `capacity` requests, and at most `max_bytes` of their paths
    /// and bodies; a capacity of 0 disables it.
    pub fn new(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            max_bytes,
            // Grow on demand: a large capacity should not cost memory before it is used.
            entries: Mutex::new((VecDeque::with_capacity(capacity.min(256)), 0)),
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
            request: request.map(KeptBody::keep),
            response: response.map(KeptBody::keep),
        });
    }

    fn push(&self, stored: Stored) {
        let size = stored.size();
        let entry = Arc::new(stored);
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (entries, bytes) = &mut *guard;
        // The newest entry is always kept, even alone over the bound.
        while !entries.is_empty()
            && (entries.len() >= self.capacity || *bytes + size > self.max_bytes)
        {
            if let Some(old) = entries.pop_front() {
                *bytes -= old.size();
            }
        }
        entries.push_back(entry);
        *bytes += size;
    }

    /// Entries kept, and the bytes they hold.
    pub fn usage(&self) -> (usize, usize) {
        let guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        (guard.0.len(), guard.1)
    }

    /// The entries matching `q`, newest first.
    pub fn query(&self, q: &JournalQuery) -> Vec<JournalEntry> {
        let limit = q.limit.unwrap_or(usize::MAX);
        let hits: Vec<Arc<Stored>> = {
            let guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            guard
                .0
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
        let j = Journal::new(3, DEFAULT_MAX_BYTES);
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
        let j = Journal::new(0, DEFAULT_MAX_BYTES);
        j.record(entry(1, 200));
        assert!(j.query(&JournalQuery::default()).is_empty());
    }

    #[test]
    fn bodies_are_truncated_with_a_marker() {
        let j = Journal::new(2, DEFAULT_MAX_BYTES);
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
}

#[cfg(test)]
mod byte_bound_tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderValue, Method};

    fn raw(n: usize) -> RawEntry {
        RawEntry {
            at: UNIX_EPOCH,
            method: Method::GET,
            path: format!("/v1/customers?n={n}"),
            route: "/v1/customers",
            status: 200,
            latency_ms: 1.0,
            partner: None,
            context: None,
        }
    }

    fn json(len: usize) -> RawBody {
        RawBody {
            content_type: Some(HeaderValue::from_static("application/json")),
            bytes: Bytes::from(format!("\"{}\"", "x".repeat(len.saturating_sub(2)))),
        }
    }

    #[test]
    fn a_large_body_is_kept_cut_and_says_how_long_it_was() {
        let j = Journal::new(10, DEFAULT_MAX_BYTES);
        j.record_raw(raw(1), None, Some(json(1_000_000)));
        let (_, bytes) = j.usage();
        assert!(bytes < MAX_BODY_BYTES + 1024, "{bytes}");
        let shown = j.query(&JournalQuery::default())[0]
            .response_body
            .clone()
            .unwrap();
        assert!(
            shown.ends_with("…[truncated, 1000000 bytes]"),
            "{}",
            &shown[shown.len() - 40..]
        );
    }

    #[test]
    fn the_oldest_entries_go_when_the_bytes_run_out() {
        // Room for about three entries with a 10 KB body each.
        let j = Journal::new(1000, 3 * (10_000 + ENTRY_OVERHEAD + 32));
        for n in 0..10 {
            j.record_raw(raw(n), None, Some(json(10_000)));
        }
        let (kept, bytes) = j.usage();
        assert_eq!(kept, 3);
        assert!(bytes <= 3 * (10_000 + ENTRY_OVERHEAD + 32), "{bytes}");
        let paths: Vec<String> = j
            .query(&JournalQuery::default())
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "/v1/customers?n=9",
                "/v1/customers?n=8",
                "/v1/customers?n=7"
            ]
        );
        // An entry larger than the whole bound is still kept, alone.
        let tiny = Journal::new(1000, 100);
        tiny.record_raw(raw(1), None, Some(json(5_000)));
        tiny.record_raw(raw(2), None, Some(json(5_000)));
        assert_eq!(tiny.usage().0, 1);
    }
}
