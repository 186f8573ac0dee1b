//! The request history behind the MFA reports: every app+user request to the API and every
//! user sign-in at the token service, kept in the store (so every node of a shared database
//! sees every node's) for a retention period and pruned in the background.
//!
//! The request path never waits for the database: [`History::record`] puts the row on a
//! bounded channel and returns, and one writer task per server drains the channel, writing
//! whatever has queued up in one transaction. Under load the batches grow, so the cost per
//! request falls as the rate rises. The reports call [`History::flush`] first, so this node's
//! own requests are in the answer; another node's arrive within its writer's next batch. A
//! full channel (the database far behind) drops rows rather than slowing requests, and says
//! so in the log.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use partnerd_store::history::{ApiRow, PartnerBatch, Planner};
use partnerd_store::{DynStore, RequestRecord, SharedClock};
use tokio::sync::{mpsc, oneshot};

/// Rows waiting for the writer, at most.
const QUEUE: usize = 65_536;
/// How long the writer lets rows gather after the first of a batch arrives: under load one
/// transaction then carries thousands of rows instead of a few, and the store's writer (on
/// SQLite, the same thread that commits the API's writes) is taken ten times a second at
/// most.
const GATHER: Duration = Duration::from_millis(100);
/// Rows written in one transaction, at most.
const BATCH: usize = 20_000;
/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

enum Message {
    Record(Box<RequestRecord>),
    Call(ApiCall),
    Flush(oneshot::Sender<()>),
}

/// Who sent a request, as the authentication extractor found it: built once per token and
/// shared by its requests, so that the journal and the history take it for the price of a
/// reference count.
#[derive(Debug, Clone)]
pub struct CallerTrace {
    /// The partner's tenant id.
    pub partner: String,
    /// The token's `appid`.
    pub app_id: String,
    /// The signed-in user of an app+user token.
    pub user: Option<UserTrace>,
}

/// The user of an app+user request.
#[derive(Debug, Clone)]
pub struct UserTrace {
    /// The token's `oid`.
    pub object_id: String,
    /// The token's `upn`.
    pub upn: String,
    /// Whether the token carried multi-factor authentication.
    pub mfa: bool,
}

/// An app+user API request as the request path hands it over: what it already holds, shared
/// or static, so that recording costs the request no allocation. The writer formats the
/// row off the request path.
pub struct ApiCall {
    /// The caller; its `user` is set.
    pub caller: Arc<CallerTrace>,
    /// The method.
    pub method: &'static str,
    /// The route template.
    pub route: &'static str,
    /// The caller's address.
    pub source: Option<IpAddr>,
    /// The request's tracking ids.
    pub ids: Option<Arc<dyn crate::ops::journal::TrackingIds>>,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
}

/// Plans a batch: each API request encoded into its partner's chunk as it is read. What a
/// batch repeats (the caller, the operation, the address) is formatted and interned once per
/// distinct caller, route and address rather than once per request.
fn plan(mut calls: Vec<ApiCall>, records: Vec<RequestRecord>) -> Vec<PartnerBatch> {
    let mut planner = Planner::default();
    for r in records {
        planner.partner(r.partner_id.as_str()).push_single(r);
    }
    calls.sort_by_key(|c| c.at_ms);
    // The texts' indexes, by caller (its address in memory: every call of the batch holds
    // it), method, route and source; a caller's rows all go to its partner's chunk.
    type Key = (usize, &'static str, &'static str, Option<IpAddr>);
    let mut texts: HashMap<Key, [u32; 6]> = HashMap::new();
    for call in &calls {
        let caller = &call.caller;
        let Some(user) = &caller.user else { continue };
        let chunk = planner.partner(&caller.partner);
        let key = (
            Arc::as_ptr(caller) as usize,
            call.method,
            call.route,
            call.source,
        );
        let indexes = *texts.entry(key).or_insert_with(|| {
            [
                chunk.intern(&operation_name(call.method, call.route)),
                chunk.intern(&call.source.map(|ip| ip.to_string()).unwrap_or_default()),
                chunk.intern(&user.object_id),
                chunk.intern(&caller.partner),
                chunk.intern(&user.upn),
                chunk.intern(&caller.app_id),
            ]
        });
        let (request_id, correlation_id) = call
            .ids
            .as_deref()
            .map_or(("", ""), |c| (c.request_id(), c.correlation_id()));
        chunk.push_api(ApiRow {
            at_ms: call.at_ms,
            request_id,
            correlation_id,
            texts: indexes,
            mfa: user.mfa,
        });
    }
    planner.finish()
}

/// The recorder; see the module's description.
#[derive(Debug)]
pub struct History {
    tx: mpsc::Sender<Message>,
    dropped: AtomicU64,
    retention_secs: i64,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Message")
    }
}

impl History {
    /// Starts the writer task on the current runtime. Rows older than `retention_secs` are
    /// pruned at start and then hourly.
    pub fn start(store: DynStore, clock: SharedClock, retention_secs: i64) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        if retention_secs > 0 {
            tokio::spawn(writer(rx, store, clock, retention_secs));
        }
        Self {
            tx,
            dropped: AtomicU64::new(0),
            retention_secs,
        }
    }

    /// Whether rows are kept at all (`--request-history-days 0` keeps none).
    pub fn is_on(&self) -> bool {
        self.retention_secs > 0
    }

    /// How long rows are kept, in seconds.
    pub fn retention_secs(&self) -> i64 {
        self.retention_secs
    }

    /// Queues a row; never waits.
    pub fn record(&self, row: RequestRecord) {
        self.queue(Message::Record(Box::new(row)));
    }

    /// Queues an API request; never waits.
    pub fn record_call(&self, call: ApiCall) {
        self.queue(Message::Call(call));
    }

    fn queue(&self, message: Message) {
        if !self.is_on() {
            return;
        }
        if self.tx.try_send(message).is_err()
            && self
                .dropped
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(10_000)
        {
            tracing::warn!("request history is behind; rows are being dropped");
        }
    }

    /// Waits until every row queued before this call is written.
    pub async fn flush(&self) {
        if !self.is_on() {
            return;
        }
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn prune(store: &DynStore, clock: &SharedClock, retention_secs: i64) {
    let before = (clock.now_secs() - retention_secs) * 1000;
    if let Err(e) = store.prune_requests(before).await {
        tracing::warn!(error = %e, "request history not pruned");
    }
}

async fn writer(
    mut rx: mpsc::Receiver<Message>,
    store: DynStore,
    clock: SharedClock,
    retention_secs: i64,
) {
    let mut prune_tick = tokio::time::interval(PRUNE_EVERY);
    // Whether the last batch was full: then the queue is behind and gathering would only add
    // to it.
    let mut behind = false;
    loop {
        let first = tokio::select! {
            message = rx.recv() => match message {
                Some(m) => m,
                None => return,
            },
            _ = prune_tick.tick() => {
                prune(&store, &clock, retention_secs).await;
                continue;
            }
        };
        let mut records = Vec::new();
        let mut calls = Vec::new();
        let mut waiting = Vec::new();
        // A flush waits for what is queued now; anything else may gather a while.
        if !behind && !matches!(first, Message::Flush(_)) {
            tokio::time::sleep(GATHER).await;
        }
        let mut next = Some(first);
        while let Some(m) = next.take() {
            match m {
                Message::Record(r) => records.push(*r),
                Message::Call(c) => calls.push(c),
                Message::Flush(done) => waiting.push(done),
            }
            if records.len() + calls.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        behind = records.len() + calls.len() >= BATCH;
        if !records.is_empty() || !calls.is_empty() {
            // Encoding thousands of rows is CPU work: off the workers that serve requests.
            let planned = tokio::task::spawn_blocking(move || plan(calls, records))
                .await
                .unwrap_or_default();
            if let Err(e) = store.record_history(planned).await {
                tracing::warn!(error = %e, "request history rows not written");
            }
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

/// Partner Center's name for an operation: the method, then the route template under
/// `/v{version}/` with the casing and parameter names of Microsoft's service document
/// (`Get /v{version}/customers/{customer_id}`).
pub fn operation_name(method: &str, route: &str) -> String {
    const CASED: [(&str, &str); 6] = [
        ("validationstatus", "validationStatus"),
        (
            "directsignedmicrosoftcustomeragreementstatus",
            "directSignedMicrosoftCustomerAgreementStatus",
        ),
        ("partnerrequests", "partnerRequests"),
        (
            "nonmfacompliantpartnerprincipals",
            "nonMfaCompliantPartnerPrincipals",
        ),
        ("selfservepolicy", "SelfServePolicy"),
        ("agreementtemplates", "agreementTemplates"),
    ];
    let mut verb = method.to_ascii_lowercase();
    if let Some(first) = verb.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let path = route.strip_prefix("/v1").unwrap_or(route);
    let mut out = String::from("/v{version}");
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let named = match segment {
            "{id}" if previous == "customers" => "{customer_id}",
            "{prefix}" => "{domain_prefix}",
            s => CASED
                .iter()
                .find(|(lower, _)| *lower == s)
                .map_or(s, |(_, cased)| cased),
        };
        out.push_str(named);
        previous = segment;
    }
    format!("{verb} {out}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Ids(String);

    impl crate::ops::journal::TrackingIds for Ids {
        fn correlation_id(&self) -> &str {
            "corr"
        }
        fn request_id(&self) -> &str {
            &self.0
        }
    }

    fn caller(partner: &str, upn: &str, mfa: bool) -> Arc<CallerTrace> {
        Arc::new(CallerTrace {
            partner: partner.to_owned(),
            app_id: "app".to_owned(),
            user: Some(UserTrace {
                object_id: format!("oid-{upn}"),
                upn: upn.to_owned(),
                mfa,
            }),
        })
    }

    fn call(caller: &Arc<CallerTrace>, route: &'static str, at_ms: i64) -> ApiCall {
        ApiCall {
            caller: caller.clone(),
            method: "GET",
            route,
            source: Some(IpAddr::from([10, 0, 0, 1])),
            ids: Some(Arc::new(Ids(format!("req-{at_ms}")))),
            at_ms,
        }
    }

    #[test]
    fn a_batch_is_planned_per_partner_with_each_call_formatted() {
        let ada = caller("p1", "ada", true);
        let bob = caller("p1", "bob", false);
        let eve = caller("p2", "eve", true);
        let calls = vec![
            call(&ada, "/v1/customers", 30),
            call(&bob, "/v1/customers/{id}", 20),
            call(&eve, "/v1/customers", 10),
            call(&ada, "/v1/customers/{id}", 40),
        ];
        let plan = plan(calls, Vec::new());
        assert_eq!(plan.len(), 2);
        let p1 = &plan[0];
        assert_eq!(p1.chunk.as_ref().map(|c| c.rows), Some(3));
        // Bob's token carried no MFA: his request is also a single row, formatted in full.
        let [bob_row] = p1.singles.as_slice() else {
            panic!("one single row expected, got {:?}", p1.singles);
        };
        assert_eq!(bob_row.request_id, "req-20");
        assert_eq!(bob_row.correlation_id, "corr");
        assert_eq!(bob_row.operation, "Get /v{version}/customers/{customer_id}");
        assert_eq!(bob_row.source_ip, "10.0.0.1");
        assert_eq!(bob_row.object_id, "oid-bob");
        assert_eq!(bob_row.tenant_id, "p1");
        assert_eq!(bob_row.application_id, "app");
        assert_eq!(p1.daily, vec![(0, "app".to_owned(), 2, 3)]);
        assert_eq!(plan[1].partner_id.as_str(), "p2");
        assert!(plan[1].singles.is_empty());
    }

    #[test]
    fn operations_are_named_as_partner_center_names_them() {
        assert_eq!(
            operation_name("GET", "/v1/customers"),
            "Get /v{version}/customers"
        );
        assert_eq!(
            operation_name("PUT", "/v1/customers/{id}/profiles/billing"),
            "Put /v{version}/customers/{customer_id}/profiles/billing"
        );
        assert_eq!(
            operation_name("GET", "/v1/nonmfacompliantpartnerprincipals"),
            "Get /v{version}/nonMfaCompliantPartnerPrincipals"
        );
        assert_eq!(
            operation_name("GET", "/v1/serviceincidents/office/count"),
            "Get /v{version}/serviceincidents/office/count"
        );
        assert_eq!(
            operation_name("GET", "/v1/validations/checkdomainavailability/{prefix}"),
            "Get /v{version}/validations/checkdomainavailability/{domain_prefix}"
        );
    }
}
