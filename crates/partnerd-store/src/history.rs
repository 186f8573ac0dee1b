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

/// The writes of a batch, per partner (in partner order), planned with a [`Planner`].
pub fn plan_batch(batch: Vec<RequestRecord>) -> Vec<PartnerBatch> {
    let mut planner = Planner::default();
    for r in batch {
        let chunk = planner.partner(r.partner_id.as_str());
        match r.kind {
            RequestKind::SignIn => chunk.push_single(r),
            RequestKind::Api => {
                let texts = [
                    chunk.intern(&r.operation),
                    chunk.intern(&r.source_ip),
                    chunk.intern(&r.object_id),
                    chunk.intern(&r.tenant_id),
                    chunk.intern(&r.upn),
                    chunk.intern(&r.application_id),
                ];
                chunk.push_api(ApiRow {
                    at_ms: r.at_ms,
                    request_id: &r.request_id,
                    correlation_id: &r.correlation_id,
                    texts,
                    mfa: r.mfa,
                });
            }
        }
    }
    planner.finish()
}

/// Plans a batch of history partner by partner: what [`HistoryStore::record_history`]
/// writes. The API requests are encoded as they are pushed, so a batch of thousands never
/// exists twice in memory.
///
/// [`HistoryStore::record_history`]: crate::HistoryStore::record_history
#[derive(Default)]
pub struct Planner {
    partners: std::collections::BTreeMap<String, ChunkWriter>,
}

impl Planner {
    /// The chunk of the partner with this tenant id.
    pub fn partner(&mut self, tenant_id: &str) -> &mut ChunkWriter {
        if !self.partners.contains_key(tenant_id) {
            self.partners
                .insert(tenant_id.to_owned(), ChunkWriter::new(tenant_id));
        }
        self.partners
            .get_mut(tenant_id)
            .expect("the partner's chunk was just inserted")
    }

    /// The writes, per partner in partner order.
    pub fn finish(self) -> Vec<PartnerBatch> {
        self.partners
            .into_values()
            .map(ChunkWriter::finish)
            .collect()
    }
}

/// One API request as [`ChunkWriter::push_api`] takes it: the texts a batch repeats
/// (operation, address, user, tenant, principal name, application, in that order) as
/// indexes from [`ChunkWriter::intern`].
#[derive(Debug, Clone, Copy)]
pub struct ApiRow<'a> {
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// `MS-RequestId`.
    pub request_id: &'a str,
    /// `MS-CorrelationId` (may be empty).
    pub correlation_id: &'a str,
    /// Operation, source address, object id, tenant id, UPN and application id.
    pub texts: [u32; 6],
    /// Whether the token carried multi-factor authentication.
    pub mfa: bool,
}

/// One partner's share of a batch: its chunk, single rows and daily counts, built row by
/// row. A stored chunk holds the texts its rows repeat once and each row as an array of its
/// time, ids, indexes into those texts and MFA; that is about a third of the rows as
/// objects, and bytes written are what the history costs the database.
pub struct ChunkWriter {
    partner: String,
    texts: Vec<String>,
    index: std::collections::HashMap<String, u32>,
    /// The encoded rows so far, comma-separated.
    rows: Vec<u8>,
    count: i64,
    first_at_ms: i64,
    last_at_ms: i64,
    singles: Vec<RequestRecord>,
    /// (day, application text) to (with MFA, all).
    daily: std::collections::BTreeMap<(i64, u32), (u64, u64)>,
}

impl ChunkWriter {
    fn new(partner: &str) -> Self {
        Self {
            partner: partner.to_owned(),
            texts: Vec::new(),
            index: std::collections::HashMap::new(),
            rows: Vec::new(),
            count: 0,
            first_at_ms: i64::MAX,
            last_at_ms: i64::MIN,
            singles: Vec::new(),
            daily: std::collections::BTreeMap::new(),
        }
    }

    /// The index of a text in this chunk, added when new. Callers that see the same text
    /// often may keep the index: it stays valid for the chunk's life.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(i) = self.index.get(text) {
            return *i;
        }
        let i = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(text.to_owned());
        self.index.insert(text.to_owned(), i);
        i
    }

    /// Adds an API request (ideally oldest first: reads sort anyway). One without MFA is
    /// also kept as a single row, which the principals report reads.
    pub fn push_api(&mut self, row: ApiRow<'_>) {
        if self.count > 0 {
            self.rows.push(b',');
        }
        let [op, ip, obj, tenant, upn, app] = row.texts;
        // Strings through serde_json, which escapes; writing into a Vec cannot fail.
        let _ = serde_json::to_writer(
            &mut self.rows,
            &(
                row.at_ms,
                row.request_id,
                row.correlation_id,
                op,
                ip,
                obj,
                tenant,
                upn,
                app,
                u8::from(row.mfa),
            ),
        );
        self.count += 1;
        self.first_at_ms = self.first_at_ms.min(row.at_ms);
        self.last_at_ms = self.last_at_ms.max(row.at_ms);
        let counts = self
            .daily
            .entry((row.at_ms.div_euclid(DAY_MS), app))
            .or_default();
        counts.0 += u64::from(row.mfa);
        counts.1 += 1;
        if !row.mfa {
            let text = |i: u32| self.texts.get(i as usize).cloned().unwrap_or_default();
            let single = RequestRecord {
                partner_id: TenantId::from_stored(self.partner.clone()),
                kind: RequestKind::Api,
                at_ms: row.at_ms,
                request_id: row.request_id.to_owned(),
                correlation_id: row.correlation_id.to_owned(),
                operation: text(op),
                source_ip: text(ip),
                object_id: text(obj),
                tenant_id: text(tenant),
                upn: text(upn),
                application_id: text(app),
                mfa: false,
            };
            self.singles.push(single);
        }
    }

    /// Adds a row stored singly (a sign-in).
    pub fn push_single(&mut self, row: RequestRecord) {
        self.singles.push(row);
    }

    fn finish(self) -> PartnerBatch {
        let chunk = (self.count > 0).then(|| {
            let mut body = Vec::with_capacity(self.rows.len() + 64 * (self.texts.len() + 1));
            body.extend_from_slice(b"{\"v\":1,\"partner\":");
            let _ = serde_json::to_writer(&mut body, &self.partner);
            body.extend_from_slice(b",\"texts\":");
            let _ = serde_json::to_writer(&mut body, &self.texts);
            body.extend_from_slice(b",\"rows\":[");
            body.extend_from_slice(&self.rows);
            body.extend_from_slice(b"]}");
            Chunk {
                first_at_ms: self.first_at_ms,
                last_at_ms: self.last_at_ms,
                rows: self.count,
                // Only serde_json's output and ASCII punctuation went in.
                body: String::from_utf8(body).unwrap_or_default(),
            }
        });
        let texts = &self.texts;
        PartnerBatch {
            partner_id: TenantId::from_stored(self.partner.clone()),
            chunk,
            singles: self.singles,
            daily: self
                .daily
                .into_iter()
                .map(|((day, app), (mfa, all))| {
                    let app = texts.get(app as usize).cloned().unwrap_or_default();
                    (day, app, mfa, all)
                })
                .collect(),
        }
    }
}

/// A stored chunk, as [`ChunkWriter`] writes it.
#[derive(Deserialize)]
struct ChunkBody {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn api(partner: &str, at_ms: i64, request_id: &str, mfa: bool) -> RequestRecord {
        RequestRecord {
            partner_id: TenantId::from_stored(partner.to_owned()),
            kind: RequestKind::Api,
            at_ms,
            request_id: request_id.to_owned(),
            correlation_id: "c \"quoted\" \\ \u{e9}".to_owned(),
            operation: "Get /v{version}/customers".to_owned(),
            source_ip: "127.0.0.1".to_owned(),
            object_id: "user".to_owned(),
            tenant_id: partner.to_owned(),
            upn: "ada@contoso.onmicrosoft.com".to_owned(),
            application_id: if mfa { "app-a" } else { "app-b" }.to_owned(),
            mfa,
        }
    }

    #[test]
    fn a_planned_chunk_reads_back_as_the_rows_that_went_in() {
        let rows = vec![
            api("p1", DAY_MS + 5, "r1", true),
            api("p1", DAY_MS + 7, "r2", false),
            api("p2", DAY_MS - 1, "r3", true),
            api("p1", 2 * DAY_MS, "r4", true),
        ];
        let mut signin = api("p2", 10, "s1", false);
        signin.kind = RequestKind::SignIn;
        let mut batch = rows.clone();
        batch.push(signin.clone());
        let plan = plan_batch(batch);
        assert_eq!(plan.len(), 2);
        let (p1, p2) = (&plan[0], &plan[1]);
        assert_eq!(p1.partner_id.as_str(), "p1");

        let chunk = p1.chunk.as_ref().expect("p1 made API requests");
        assert_eq!(
            (chunk.first_at_ms, chunk.last_at_ms, chunk.rows),
            (DAY_MS + 5, 2 * DAY_MS, 3)
        );
        let mut back = decode_chunk(&chunk.body).expect("the chunk decodes");
        back.sort_by_key(|r| r.at_ms);
        assert_eq!(
            back,
            vec![rows[0].clone(), rows[1].clone(), rows[3].clone()]
        );
        // Only the request without MFA is also a single row.
        assert_eq!(p1.singles, vec![rows[1].clone()]);
        assert_eq!(
            p1.daily,
            vec![
                (1, "app-a".to_owned(), 1, 1),
                (1, "app-b".to_owned(), 0, 1),
                (2, "app-a".to_owned(), 1, 1),
            ]
        );

        // A sign-in is a single row and counts in no chunk.
        assert_eq!(p2.singles, vec![signin]);
        assert_eq!(p2.chunk.as_ref().map(|c| c.rows), Some(1));
        assert_eq!(p2.daily, vec![(0, "app-a".to_owned(), 1, 1)]);
    }

    #[test]
    fn texts_are_stored_once_per_chunk() {
        let plan = plan_batch(
            (0..100)
                .map(|i| api("p", i, &format!("r{i}"), true))
                .collect(),
        );
        let body = &plan[0].chunk.as_ref().expect("a chunk").body;
        assert_eq!(body.matches("ada@contoso.onmicrosoft.com").count(), 1);
        assert_eq!(body.matches("Get /v{version}/customers").count(), 1);
        assert_eq!(
            newest(std::slice::from_ref(body), Vec::new(), 50, 10)
                .unwrap()
                .len(),
            10
        );
    }
}
