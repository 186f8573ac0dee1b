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

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
    Call(Box<ApiCall>),
    Flush(oneshot::Sender<()>),
}

/// An app+user API request as the request path hands it over: what it already holds, moved
/// rather than copied, so that the request pays for one allocation. The writer turns it into
/// a [`RequestRecord`] (formatting the operation name, the address and the ids) off the
/// request path.
pub struct ApiCall {
    /// The partner's tenant id.
    pub partner: String,
    /// The token's `appid`.
    pub app_id: String,
    /// The user's object id.
    pub object_id: String,
    /// The user's principal name.
    pub upn: String,
    /// Whether the token carried MFA.
    pub mfa: bool,
    /// The method.
    pub method: &'static str,
    /// The route template.
    pub route: &'static str,
    /// The caller's address.
    pub source: Option<std::net::IpAddr>,
    /// The request's tracking ids.
    pub ids: Option<std::sync::Arc<dyn crate::ops::journal::TrackingIds>>,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
}

impl ApiCall {
    fn into_record(self) -> RequestRecord {
        let (request_id, correlation_id) = self
            .ids
            .as_deref()
            .map(|c| (c.request_id().to_owned(), c.correlation_id().to_owned()))
            .unwrap_or_default();
        RequestRecord {
            partner_id: partnerd_store::TenantId::from_stored(self.partner.clone()),
            kind: partnerd_store::RequestKind::Api,
            at_ms: self.at_ms,
            request_id,
            correlation_id,
            operation: operation_name(self.method, self.route),
            source_ip: self.source.map(|ip| ip.to_string()).unwrap_or_default(),
            object_id: self.object_id,
            tenant_id: self.partner,
            upn: self.upn,
            application_id: self.app_id,
            mfa: self.mfa,
        }
    }
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
        self.queue(Message::Call(Box::new(call)));
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
        let mut batch = Vec::new();
        let mut calls = Vec::new();
        let mut waiting = Vec::new();
        // A flush waits for what is queued now; anything else may gather a while.
        if !behind && !matches!(first, Message::Flush(_)) {
            tokio::time::sleep(GATHER).await;
        }
        let mut next = Some(first);
        while let Some(m) = next.take() {
            match m {
                Message::Record(r) => batch.push(*r),
                Message::Call(c) => calls.push(c),
                Message::Flush(done) => waiting.push(done),
            }
            if batch.len() + calls.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !calls.is_empty() {
            // Formatting thousands of rows is CPU work: off the workers that serve requests.
            let formatted = tokio::task::spawn_blocking(move || {
                calls
                    .into_iter()
                    .map(|c| c.into_record())
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
            batch.extend(formatted);
        }
        behind = batch.len() >= BATCH;
        if !batch.is_empty() {
            if let Err(e) = store.record_requests(batch).await {
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
