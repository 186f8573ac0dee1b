//! Request history (who called the API and signed in, with or without multi-factor
//! authentication, for the MFA reports) and server-wide documents (service incidents).
//!
//! A busy partner makes tens of thousands of API requests a second, and a row per request in
//! an indexed table costs the database more than answering the request did. So a batch of
//! history is stored in three shapes, planned the same way for every backend by
//! [`plan_batch`]: each partner's API requests as one chunk (a JSON array, read back newest
//! chunk first for `partnerRequests`), running counts per day and application (for the
//! adoption report), and single rows only for what the principals report reads, sign-ins and
//! requests without MFA, which are few.

use serde::{Deserialize, Serialize};

use crate::error::{StoreError, StoreResult};
use crate::ids::TenantId;

/// The kinds of server-wide document that `partnerd export` carries: service incidents and
/// the marker that says they were seeded.
pub const EXPORTED_DOCUMENTS: [&str; 2] = ["seed", "service_incident"];

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// An app+user request to the Partner Center API (refused ones included).
    Api,
    /// A user's sign-in at the token service.
    SignIn,
}

impl RequestKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::SignIn => "signin",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "signin" => Some(Self::SignIn),
            _ => None,
        }
    }
}

/// One request or sign-in of a partner's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// The partner (its tenant).
    pub partner_id: TenantId,
    /// Request or sign-in.
    pub kind: RequestKind,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// `MS-RequestId`.
    pub request_id: String,
    /// `MS-CorrelationId` (may be empty).
    pub correlation_id: String,
    /// Method and route template, as Partner Center names it (`Get /v{version}/customers`).
    pub operation: String,
    /// The caller's address.
    pub source_ip: String,
    /// The user's object id (the token's `oid`).
    pub object_id: String,
    /// The token's `tid`.
    pub tenant_id: String,
    /// The user's principal name.
    pub upn: String,
    /// The app (the token's `appid`).
    pub application_id: String,
    /// Whether the token carried multi-factor authentication.
    pub mfa: bool,
}

/// Requests of one day and one application (`applicationmfaadoptionstatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyAdoption {
    /// Days since the Unix epoch.
    pub day: i64,
    /// The application.
    pub application_id: String,
    /// Requests with multi-factor authentication.
    pub mfa_requests: u64,
    /// All requests.
    pub requests: u64,
}

/// What one batch writes for one partner.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerBatch {
    /// The partner.
    pub partner_id: TenantId,
    /// Its API requests, oldest first, when there are any.
    pub chunk: Option<Chunk>,
    /// The rows stored singly: sign-ins and requests without MFA.
    pub singles: Vec<RequestRecord>,
    /// API requests to add to the counts: (day, application, with MFA, all).
    pub daily: Vec<(i64, String, u64, u64)>,
}

/// A partner's API requests of one batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The oldest request's time.
    pub first_at_ms: i64,
    /// The newest request's time.
    pub last_at_ms: i64,
    /// How many.
    pub rows: i64,
    /// The requests, oldest first, as a JSON array.
    pub body: String,
}

/// The writes of a batch, per partner (in partner order).
pub fn plan_batch(batch: Vec<RequestRecord>) -> StoreResult<Vec<PartnerBatch>> {
    use std::collections::BTreeMap;
    let mut by_partner: BTreeMap<String, Vec<RequestRecord>> = BTreeMap::new();
    for r in batch {
        by_partner
            .entry(r.partner_id.to_string())
            .or_default()
            .push(r);
    }
    by_partner
        .into_values()
        .map(|mut rows| {
            rows.sort_by_key(|r| r.at_ms);
            let partner_id = rows[0].partner_id.clone();
            let singles = rows
                .iter()
                .filter(|r| r.kind == RequestKind::SignIn || !r.mfa)
                .cloned()
                .collect();
            let api: Vec<&RequestRecord> =
                rows.iter().filter(|r| r.kind == RequestKind::Api).collect();
            let mut daily: BTreeMap<(i64, String), (u64, u64)> = BTreeMap::new();
            for r in &api {
                let counts = daily
                    .entry((r.at_ms.div_euclid(DAY_MS), r.application_id.clone()))
                    .or_default();
                counts.0 += u64::from(r.mfa);
                counts.1 += 1;
            }
            let chunk = match (api.first(), api.last()) {
                (Some(first), Some(last)) => Some(Chunk {
                    first_at_ms: first.at_ms,
                    last_at_ms: last.at_ms,
                    rows: api.len() as i64,
                    body: encode_chunk(&api)?,
                }),
                _ => None,
            };
            Ok(PartnerBatch {
                partner_id,
                chunk,
                singles,
                daily: daily
                    .into_iter()
                    .map(|((day, app), (mfa, all))| (day, app, mfa, all))
                    .collect(),
            })
        })
        .collect()
}

/// A stored chunk: the texts its rows repeat (operation, address, user, app, partner) once,
/// and each row as an array of its time, ids, indexes into those texts, and MFA. A chunk
/// written this way is about a third of the rows as objects, and bytes written are what the
/// history costs the database.
#[derive(Serialize, Deserialize)]
struct ChunkBody {
    /// The format, 1.
    v: u8,
    /// The partner's tenant id (every row's).
    partner: String,
    /// Repeated texts.
    texts: Vec<String>,
    /// `[at_ms, request_id, correlation_id, operation, source_ip, object_id, tenant_id, upn,
    /// application_id, mfa]`, the texts as indexes.
    rows: Vec<ChunkRow>,
}

/// One row of a [`ChunkBody`].
type ChunkRow = (i64, String, String, u32, u32, u32, u32, u32, u32, u8);

fn encode_chunk(rows: &[&RequestRecord]) -> StoreResult<String> {
    use std::collections::HashMap;
    let mut texts: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut intern = |t: &str| -> u32 {
        if let Some(i) = index.get(t) {
            return *i;
        }
        let i = u32::try_from(texts.len()).unwrap_or(u32::MAX);
        texts.push(t.to_owned());
        index.insert(t.to_owned(), i);
        i
    };
    let encoded = rows
        .iter()
        .map(|r| {
            (
                r.at_ms,
                r.request_id.clone(),
                r.correlation_id.clone(),
                intern(&r.operation),
                intern(&r.source_ip),
                intern(&r.object_id),
                intern(&r.tenant_id),
                intern(&r.upn),
                intern(&r.application_id),
                u8::from(r.mfa),
            )
        })
        .collect();
    let body = ChunkBody {
        v: 1,
        partner: rows
            .first()
            .map(|r| r.partner_id.to_string())
            .unwrap_or_default(),
        texts,
        rows: encoded,
    };
    serde_json::to_string(&body)
        .map_err(|e| StoreError::Internal(format!("history rows unwritable: {e}")))
}

fn decode_chunk(body: &str) -> StoreResult<Vec<RequestRecord>> {
    let unreadable = |e: String| StoreError::Internal(format!("stored history is unreadable: {e}"));
    let chunk: ChunkBody = serde_json::from_str(body).map_err(|e| unreadable(e.to_string()))?;
    let text = |i: u32| {
        chunk
            .texts
            .get(i as usize)
            .cloned()
            .ok_or_else(|| unreadable(format!("text {i} missing")))
    };
    chunk
        .rows
        .iter()
        .map(
            |(at_ms, request_id, correlation_id, op, ip, obj, tenant, upn, app, mfa)| {
                Ok(RequestRecord {
                    partner_id: TenantId::from_stored(chunk.partner.clone()),
                    kind: RequestKind::Api,
                    at_ms: *at_ms,
                    request_id: request_id.clone(),
                    correlation_id: correlation_id.clone(),
                    operation: text(*op)?,
                    source_ip: text(*ip)?,
                    object_id: text(*obj)?,
                    tenant_id: text(*tenant)?,
                    upn: text(*upn)?,
                    application_id: text(*app)?,
                    mfa: *mfa != 0,
                })
            },
        )
        .collect()
}

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// Reads chunk bodies (newest chunk first) into the newest `limit` API requests since
/// `since_ms`, newest first, with `extra` rows (sign-ins) merged in. Chunks of several nodes
/// may overlap in time, so the caller passes every chunk that may hold one of the newest
/// rows; this sorts and cuts.
pub fn newest(
    chunks: &[String],
    extra: Vec<RequestRecord>,
    since_ms: i64,
    limit: usize,
) -> StoreResult<Vec<RequestRecord>> {
    let mut rows = extra;
    for body in chunks {
        let chunk = decode_chunk(body)?;
        // Newest first within the chunk too, so the stable sort below keeps later rows of the
        // same millisecond first.
        rows.extend(chunk.into_iter().rev().filter(|r| r.at_ms >= since_ms));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
    rows.truncate(limit);
    Ok(rows)
}

/// Which chunks may hold one of the newest `limit` rows: given every chunk's (last row's
/// time, rows), newest last-row first, the indexes to read. Chunks are taken until they hold
/// `limit` rows, and then every further chunk that ends after the oldest row taken could
/// still start, since chunks of several nodes overlap.
pub fn chunks_needed(chunks: &[(i64, i64, i64)], limit: usize) -> Vec<usize> {
    let mut taken = Vec::new();
    let mut rows = 0usize;
    let mut oldest_first = i64::MAX;
    for (i, &(first_at, last_at, n)) in chunks.iter().enumerate() {
        if rows >= limit && last_at < oldest_first {
            break;
        }
        taken.push(i);
        rows += usize::try_from(n).unwrap_or(0);
        oldest_first = oldest_first.min(first_at);
    }
    taken
}
