//! partnerd's domain records, typed ids and the narrow storage traits the server talks to.
//!
//! The server never sees SQL and a backend never sees HTTP. Every backend implements one trait
//! per capability ([`PartnerStore`], [`KeyStore`], [`CustomerStore`], [`GrantStore`],
//! [`IdempotencyStore`], [`PortableStore`]); [`Store`] is all of them together, and [`open`]
//! picks the backend from the database URL's scheme: [`sqlite`] for one node, or (with the
//! default cargo feature `postgres`) [`postgres`] for several nodes sharing one database.
//!
//! Ids are parsed once at the edge into [`ids`] types, and the traits take only those. What
//! must be decided the same way on every backend is decided here, in pure functions the
//! backends call: the billing compare-and-swap ([`CustomerView`]'s update rule) and the
//! idempotency reservation rule ([`reservation`]). Every expiry follows one [`clock`], which
//! tests replace with a [`ManualClock`]. One behavioural suite (`tests/suite/`, a module per
//! trait) runs against every backend.

#![warn(missing_docs)]

pub mod clock;
pub mod error;
pub mod history;
pub mod ids;
pub mod lifecycle;
pub mod model;
pub mod portable;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod reservation;
pub mod search;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::{StoreError, StoreResult};
pub use history::{DailyAdoption, RequestKind, RequestRecord};
pub use ids::{canonical_guid, ClientId, CustomerId, NotAGuid, TenantId, UserId};
pub use lifecycle::{
    AccountStatusRecord, CustomerRecord, GccValidationRecord, QualificationRecord,
    QualificationRefusal, RecordKind, ValidationCodeRecord,
};
pub use model::*;
pub use reservation::{decide_reservation, ExistingRecord, RecordState, ReserveDecision};
pub use search::{QueryPlan, SearchPath};

/// Partners (tenants), their app registrations, users and partner-to-partner links.
#[async_trait]
pub trait PartnerStore: Send + Sync {
    /// Stores a partner with its apps and users in one transaction.
    async fn create_partner(&self, partner: NewPartner) -> StoreResult<()>;
    /// The partner with this tenant id.
    async fn partner(&self, tenant_id: &TenantId) -> StoreResult<Option<PartnerRecord>>;
    /// The partner with this verified domain (case-insensitive).
    async fn partner_by_domain(&self, domain: &str) -> StoreResult<Option<PartnerRecord>>;
    /// How many partners exist.
    async fn partner_count(&self) -> StoreResult<u64>;
    /// The oldest partner: the one created at first start.
    async fn first_partner(&self) -> StoreResult<Option<PartnerRecord>>;
    /// An app registration by client id.
    async fn app(&self, client_id: &ClientId) -> StoreResult<Option<AppRecord>>;
    /// The apps of a partner.
    async fn apps_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<AppRecord>>;
    /// A user by user principal name (case-insensitive).
    async fn user_by_upn(&self, upn: &str) -> StoreResult<Option<UserRecord>>;
    /// The users of a partner.
    async fn users_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<UserRecord>>;
    /// Everything the API needs to know about a token's subject, in one read.
    async fn principal(
        &self,
        tenant_id: &TenantId,
        client_id: &ClientId,
        user_id: Option<&UserId>,
    ) -> StoreResult<Option<Principal>>;
    /// Replaces an app's client secret hash; false if there is no such app.
    async fn set_app_secret(&self, client_id: &ClientId, secret_hash: &str) -> StoreResult<bool>;
    /// Replaces a user's password hash; false if there is no such user.
    async fn set_user_password(&self, object_id: &UserId, password_hash: &str)
        -> StoreResult<bool>;
    /// Deletes an app registration; false if there was none.
    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<bool>;
    /// Deletes a user; false if there was none.
    async fn delete_user(&self, object_id: &UserId) -> StoreResult<bool>;
    /// Makes `provider` an indirect provider of `reseller` (idempotent).
    async fn link_partners(&self, provider: &TenantId, reseller: &TenantId) -> StoreResult<()>;
    /// Partners linked to this one, with the direction of each link.
    async fn partner_links(&self, tenant_id: &TenantId) -> StoreResult<Vec<PartnerLink>>;
}

/// Token signing keys and server-wide secrets, shared by every node.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every signing key, newest first.
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Adds a signing key; from now on it is the newest and signs new tokens.
    async fn add_signing_key(&self, key: SigningKeyRecord) -> StoreResult<()>;
    /// Retires a key: it neither signs nor validates any more. False if there is no such
    /// active key, or if it is the only one (nothing would sign), decided atomically.
    async fn retire_signing_key(&self, kid: &str) -> StoreResult<bool>;
    /// The secret stored under `name`; `candidate` is stored and returned if there is none yet,
    /// so concurrent first callers on several nodes all end with the same value.
    async fn secret(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>>;
}

/// Short-lived credentials of the token service: refresh tokens, authorization codes and
/// device codes. Each is a JSON payload under (kind, key), where the key is a hash of the
/// secret; state changes go through a compare-and-swap so that a code is redeemed once.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Stores a new grant (and forgets grants that expired a day ago or more).
    async fn put_grant(&self, grant: GrantRecord) -> StoreResult<()>;
    /// The grant under (kind, key), expired or not.
    async fn grant(&self, kind: GrantKind, key: &str) -> StoreResult<Option<GrantRecord>>;
    /// Replaces the payload only if it is still `expected`; false if it changed meanwhile.
    async fn swap_grant(
        &self,
        kind: GrantKind,
        key: &str,
        swap: GrantSwap<'_>,
    ) -> StoreResult<bool>;
}

/// Responses of writes by `MS-RequestId`, so that a retried request replays instead of
/// writing twice.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Reserves the key for a request with this fingerprint, for `lease_secs` (after which a
    /// retry may take it over), or reports what holds it. Records are kept `keep_secs`.
    async fn reserve(
        &self,
        lease: &Lease,
        fingerprint: &str,
        lease_secs: i64,
        keep_secs: i64,
    ) -> StoreResult<Reservation>;
    /// Stores the response of a request that wrote nothing (a 4xx); false if the lease was lost.
    async fn complete(&self, lease: &Lease, response: StoredResponse) -> StoreResult<bool>;
    /// Gives up a reservation (the request failed with a 5xx and may run again).
    async fn release(&self, lease: &Lease) -> StoreResult<()>;
    /// Releases the pending leases a crashed process left, so retries of its requests run at
    /// once instead of waiting for the leases to lapse: those of `Some(node)`, for a node of a
    /// shared store restarting under its name; or every pending lease (`None`), for a store one
    /// server owns alone (a SQLite file). Returns how many were released.
    async fn release_stale(&self, node: Option<&str>) -> StoreResult<u64>;
}

/// Customers, their profiles and partners' relationships to them.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates a customer related to `new.partner_id`, enforcing domain uniqueness and, when
    /// `cap` is given, the partner's customer cap, atomically.
    ///
    /// Every write below takes an optional [`Completion`]: when given and the write succeeds,
    /// its rendered response is stored under the idempotency lease in the same transaction;
    /// if the lease was lost meanwhile, the write is undone and `Unavailable` returned.
    async fn create_customer(
        &self,
        new: NewCustomer,
        cap: Option<u32>,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView>;
    /// A customer as `partner_id` sees it.
    async fn customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<CustomerLookup>;
    /// Just the billing profile and its ETag, as the partner sees it (the hot read path):
    /// `CustomerNotFound` or `NoRelationship` otherwise.
    async fn billing_profile(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<(BillingProfile, i64)>;
    /// One page of the partner's customers after the keyset cursor `after`, oldest first.
    async fn list_customers(
        &self,
        partner_id: &TenantId,
        query: &CustomerQuery,
    ) -> StoreResult<Vec<CustomerView>>;
    /// How [`list_customers`](Self::list_customers) reads this page: the way a prefix search
    /// takes (see [`search`]) and the database's plan of each statement it runs.
    async fn explain_customers(
        &self,
        partner_id: &TenantId,
        query: &CustomerQuery,
    ) -> StoreResult<QueryPlan>;
    /// Removes the partner's reseller relationship and/or delegated access.
    async fn remove_relationship(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        removal: RelationshipRemoval,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView>;
    /// Deletes a customer, its profiles, relationships and domain. False if it did not exist.
    async fn delete_customer(
        &self,
        customer_id: &CustomerId,
        completion: Option<Completion>,
    ) -> StoreResult<bool>;
    /// Compare-and-swap of the billing profile: written only if the stored ETag matches. The
    /// profile keeps its stored id; `new_etag` is adjusted if it equals the current one.
    async fn update_billing_profile(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        expected: EtagCondition,
        profile: BillingProfile,
        new_etag: i64,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView>;
    /// Relates an existing customer to a partner in `role` (an accepted reseller invitation),
    /// with delegated admin access for a reseller. A partner already related keeps its role:
    /// false then, true when the relationship is new. `CustomerNotFound` when there is no
    /// such customer.
    async fn relate_customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        role: CustomerRole,
    ) -> StoreResult<bool>;
    /// Deletes every customer the partner resells to (its sandbox is empty again); its
    /// credentials and links stay. Returns how many customers went.
    async fn reset_partner(&self, partner_id: &TenantId) -> StoreResult<u64>;
    /// Every partner related to a customer, with its role.
    async fn customer_partners(
        &self,
        customer_id: &CustomerId,
    ) -> StoreResult<Vec<(PartnerRecord, CustomerRole)>>;
    /// Whether any customer holds this domain (case-insensitive).
    async fn domain_taken(&self, domain: &str) -> StoreResult<bool>;
    /// Whether the store answers at all.
    async fn ping(&self) -> StoreResult<()>;
}

/// What a customer gathers over its life (see [`lifecycle`]): documents per customer,
/// qualifications, domains added after creation, and partners' GCC validation codes. Every
/// customer-scoped row goes with its customer (sandbox DELETE, partner reset).
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// The customer's records of one kind, of every partner, in key order. `CustomerNotFound`
    /// when there is no such customer.
    async fn customer_records(
        &self,
        customer_id: &CustomerId,
        kind: RecordKind,
    ) -> StoreResult<Vec<CustomerRecord>>;
    /// Writes a record, replacing the one under its (kind, key). With `expected`, only if the
    /// stored body is still exactly that (a compare-and-swap): false otherwise.
    async fn put_customer_record(
        &self,
        customer_id: &CustomerId,
        record: CustomerRecord,
        expected: Option<serde_json::Value>,
    ) -> StoreResult<bool>;
    /// Adds a record unless one is stored under its (kind, key) already: false then, and
    /// nothing is written. The completion (rendered without a customer) is stored with a new
    /// record, in the same transaction.
    async fn insert_customer_record(
        &self,
        customer_id: &CustomerId,
        record: CustomerRecord,
        completion: Option<Completion>,
    ) -> StoreResult<bool>;
    /// Deletes a record; false if there was none.
    async fn delete_customer_record(
        &self,
        customer_id: &CustomerId,
        kind: RecordKind,
        key: &str,
    ) -> StoreResult<bool>;
    /// Adds a qualification by [`lifecycle::decide_qualification`], consuming the partner's
    /// validation code it names and linking the customer to it, atomically; `Qualification`
    /// when refused. The completion renders without a customer.
    async fn add_qualification(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        qualification: QualificationRecord,
        completion: Option<Completion>,
    ) -> StoreResult<()>;
    /// A partner's GCC validation codes, in code order.
    async fn validation_codes(
        &self,
        partner_id: &TenantId,
    ) -> StoreResult<Vec<ValidationCodeRecord>>;
    /// Adds or replaces a validation code; `UnknownPartner` if there is no such partner.
    async fn put_validation_code(
        &self,
        partner_id: &TenantId,
        code: ValidationCodeRecord,
    ) -> StoreResult<()>;
    /// Deletes a validation code; false if there was none.
    async fn delete_validation_code(
        &self,
        partner_id: &TenantId,
        validation_id: &str,
    ) -> StoreResult<bool>;
    /// Adds a domain to a customer: `DomainTaken` when any tenant holds the name
    /// (case-insensitive). The name joins the customer's `customDomains`.
    async fn add_domain(
        &self,
        customer_id: &CustomerId,
        domain: partnerd_wire::VerifiedDomain,
        completion: Option<Completion>,
    ) -> StoreResult<()>;
    /// The domains added to a customer after its creation, in name order.
    async fn customer_domains(
        &self,
        customer_id: &CustomerId,
    ) -> StoreResult<Vec<partnerd_wire::VerifiedDomain>>;
}

/// The request history behind the MFA reports, shared by every node.
#[async_trait]
pub trait HistoryStore: Send + Sync {
    /// Appends rows, in one transaction.
    async fn record_requests(&self, batch: Vec<RequestRecord>) -> StoreResult<()> {
        self.record_history(history::plan_batch(batch)).await
    }
    /// Writes a batch planned with [`history::Planner`], in one transaction.
    async fn record_history(&self, plan: Vec<history::PartnerBatch>) -> StoreResult<()>;
    /// The partner's rows of `kind` (both when `None`) since `since_ms`, newest first, at
    /// most `limit`; only those without multi-factor authentication when `without_mfa`.
    async fn requests(
        &self,
        partner_id: &TenantId,
        since_ms: i64,
        kind: Option<RequestKind>,
        without_mfa: bool,
        limit: u32,
    ) -> StoreResult<Vec<RequestRecord>>;
    /// The partner's API requests from `from_ms` (inclusive) to `to_ms` (exclusive), counted
    /// per day and application, in day then application order.
    async fn daily_adoption(
        &self,
        partner_id: &TenantId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<DailyAdoption>>;
    /// Deletes the rows older than `before_ms`; returns how many went.
    async fn prune_requests(&self, before_ms: i64) -> StoreResult<u64>;
}

/// Server-wide JSON documents by (kind, key).
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The documents of a kind, in key order.
    async fn documents(&self, kind: &str) -> StoreResult<Vec<(String, serde_json::Value)>>;
    /// Writes a document (insert or replace).
    async fn put_document(&self, kind: &str, key: &str, body: serde_json::Value)
        -> StoreResult<()>;
    /// Writes a document unless one exists under (kind, key): false then.
    async fn insert_document(
        &self,
        kind: &str,
        key: &str,
        body: serde_json::Value,
    ) -> StoreResult<bool>;
    /// Deletes a document; false if there was none.
    async fn delete_document(&self, kind: &str, key: &str) -> StoreResult<bool>;
}

/// Reading everything out and loading it into an empty store, for moving between backends.
#[async_trait]
pub trait PortableStore: Send + Sync {
    /// Every partner, oldest first.
    async fn all_partners(&self) -> StoreResult<Vec<PartnerRecord>>;
    /// Every server secret, by name.
    async fn all_secrets(&self) -> StoreResult<Vec<(String, Vec<u8>)>>;
    /// Every customer with its relationships, in creation order.
    async fn export_customers(&self) -> StoreResult<Vec<ExportCustomer>>;
    /// Loads customers as exported (after every partner they name), in order, in one
    /// transaction: a bulk load, so that a large store imports at the database's pace.
    async fn import_customers(&self, customers: Vec<ExportCustomer>) -> StoreResult<()>;
}

/// Told how long each store operation took, for metrics.
pub type LatencyObserver = Box<dyn Fn(std::time::Duration) + Send + Sync>;

/// What a backend reports about itself.
pub trait Observed: Send + Sync {
    /// Sets the observer of operation latencies (once; later calls are ignored).
    fn observe_latency(&self, observer: LatencyObserver);
    /// The clock its expiries follow; the server uses the same one.
    fn clock(&self) -> SharedClock;
}

/// Every storage capability partnerd needs.
pub trait Store:
    PartnerStore
    + KeyStore
    + CustomerStore
    + LifecycleStore
    + HistoryStore
    + DocumentStore
    + GrantStore
    + IdempotencyStore
    + Observed
    + PortableStore
{
}
impl<T> Store for T where
    T: PartnerStore
        + KeyStore
        + CustomerStore
        + LifecycleStore
        + HistoryStore
        + DocumentStore
        + GrantStore
        + IdempotencyStore
        + Observed
        + PortableStore
{
}

/// A shared handle to a store.
pub type DynStore = Arc<dyn Store>;

/// Opens the store a database URL names, running its migrations.
///
/// `sqlite://PATH` (relative to the working directory), `sqlite:///ABS/PATH`, and (with the
/// `postgres` feature) `postgres://…` / `postgresql://…` (see [`postgres`] for the query
/// parameters) are understood; any other scheme is a clear error.
pub async fn open(url: &str) -> StoreResult<DynStore> {
    open_backend(url, SystemClock::shared()).await
}

/// Opens a store as [`open`] does, with expiries following `clock` (a [`ManualClock`] in tests
/// that move time forward).
pub async fn open_with_clock(url: &str, clock: SharedClock) -> StoreResult<DynStore> {
    open_backend(url, clock).await
}

/// Whether several servers may share the database a URL names (PostgreSQL), rather than one
/// server owning it alone (a SQLite file).
pub fn is_shared(url: &str) -> bool {
    is_postgres_url(url)
}

/// Whether a URL names a PostgreSQL database (whether or not this build has the backend).
fn is_postgres_url(url: &str) -> bool {
    matches!(scheme(url), "postgres" | "postgresql")
}

fn scheme(url: &str) -> &str {
    url.split_once(':').map(|(s, _)| s).unwrap_or("")
}

/// The directory where files that belong with a database live (TLS material, admin token):
/// the folder of a SQLite file, or the working directory for PostgreSQL.
pub fn data_dir(url: &str) -> StoreResult<std::path::PathBuf> {
    if is_postgres_url(url) {
        return Ok(std::path::PathBuf::from("."));
    }
    let path = sqlite::parse_url(url)?;
    Ok(match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    })
}

/// The file that keeps the control plane's admin token when none is given (see
/// [`companion_file`]): `partnerd.db.admin-token`.
pub fn admin_token_file(url: &str) -> StoreResult<std::path::PathBuf> {
    companion_file(url, "admin-token")
}

/// The file where the first `serve` writes the bootstrap partner's credentials and its
/// address, once (see [`companion_file`]): `partnerd.db.bootstrap.json`.
pub fn bootstrap_file(url: &str) -> StoreResult<std::path::PathBuf> {
    companion_file(url, "bootstrap.json")
}

/// A file that belongs with one database, named `<suffix>` after it: one per database, so two
/// databases in one folder never share one.
///
/// Beside a SQLite file it is the file's name with `.<suffix>` added
/// (`partnerd.db.admin-token`). A PostgreSQL database has no folder of its own, so its file is
/// in the working directory, named after the database: `partnerd-<database>.<suffix>`, or
/// `partnerd-<database>-<schema>.<suffix>` when the URL names a `schema=` (each schema is a
/// store of its own).
pub fn companion_file(url: &str, suffix: &str) -> StoreResult<std::path::PathBuf> {
    if is_postgres_url(url) {
        let (database, schema) = postgres_names(url);
        let mut name = format!("partnerd-{}", file_safe(&database));
        if let Some(schema) = schema {
            name.push('-');
            name.push_str(&file_safe(&schema));
        }
        name.push('.');
        name.push_str(suffix);
        return Ok(data_dir(url)?.join(name));
    }
    let mut path = sqlite::parse_url(url)?.into_os_string();
    path.push(".");
    path.push(suffix);
    Ok(path.into())
}

/// The database and the `schema=` a PostgreSQL URL names. The database is found the way
/// libpq finds it: the URL's path, else `dbname=`, else the user name, else `postgres`.
fn postgres_names(url: &str) -> (String, Option<String>) {
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let param = |key: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, v)| *k == key && !v.is_empty())
            .map(|(_, v)| v.to_owned())
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority
        .rsplit_once('@')
        .map(|(userinfo, _)| userinfo.split(':').next().unwrap_or_default().to_owned())
        .filter(|user| !user.is_empty());
    let database = Some(path.to_owned())
        .filter(|p| !p.is_empty())
        .or_else(|| param("dbname"))
        .or(user)
        .or_else(|| param("user"))
        .unwrap_or_else(|| "postgres".to_owned());
    (database, param("schema"))
}

/// `name` with every character but ASCII letters, digits, `-`, `_` and `.` replaced by `_`,
/// so that it is one file name on every system.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The files of a SQLite database that users other than its owner may read (see
/// [`sqlite::readable_by_others`]); none for PostgreSQL, whose files the server guards.
pub fn readable_by_others(url: &str) -> StoreResult<Vec<std::path::PathBuf>> {
    if is_postgres_url(url) {
        return Ok(Vec::new());
    }
    sqlite::readable_by_others(url)
}

/// Held by a serving process for as long as it runs (see [`lock_for_serving`]).
#[derive(Debug)]
pub struct ServeLock {
    _file: Option<std::fs::File>,
}

/// Takes the lock that lets only one server at a time work on a SQLite file: the SQLite
/// backend caches customers in memory, which is right only while this process is the one
/// writing them. Hold the returned guard for as long as the server runs.
///
/// A PostgreSQL database is meant to be shared by several servers: there is nothing to lock
/// and this succeeds at once.
pub fn lock_for_serving(url: &str) -> StoreResult<ServeLock> {
    if is_postgres_url(url) {
        return Ok(ServeLock { _file: None });
    }
    let path = sqlite::parse_url(url)?;
    let mut lock_path = path.into_os_string();
    lock_path.push(".serve-lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&lock_path).map_err(|e| {
        StoreError::Config(format!("cannot open {}: {e}", lock_path.to_string_lossy()))
    })?;
    match file.try_lock() {
        Ok(()) => Ok(ServeLock { _file: Some(file) }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Config(format!(
            "another partnerd server is already serving {url}; run one server per SQLite file (use PostgreSQL for several nodes)"
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Config(format!(
            "cannot lock {}: {e}",
            lock_path.to_string_lossy()
        ))),
    }
}

async fn open_backend(url: &str, clock: SharedClock) -> StoreResult<DynStore> {
    match scheme(url) {
        "sqlite" => Ok(Arc::new(sqlite::SqliteStore::open_with_clock(url, clock)?)),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Arc::new(
            postgres::PostgresStore::open_with_clock(url, clock).await?,
        )),
        #[cfg(not(feature = "postgres"))]
        "postgres" | "postgresql" => Err(StoreError::Config(
            "this build of partnerd has no PostgreSQL backend (cargo feature `postgres`); use a sqlite:// URL".to_owned(),
        )),
        other => Err(error::invalid_url(format_args!(
            "the scheme '{other}' is not one partnerd speaks"
        ))),
    }
}
