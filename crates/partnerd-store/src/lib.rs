//! partnerd's domain records and the narrow storage traits the server talks to.
//!
//! The server never sees SQL and a backend never sees HTTP. Every backend implements
//! [`PartnerStore`], [`KeyStore`] and [`CustomerStore`]; [`Store`] is all three together, and
//! [`open`] picks the backend from the database URL's scheme. One behavioural test suite
//! (`tests/suite.rs`) runs against every backend.

pub mod error;
pub mod model;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::{StoreError, StoreResult};
pub use model::*;

/// Partners (tenants), their app registrations, users and partner-to-partner links.
#[async_trait]
pub trait PartnerStore: Send + Sync {
    /// Stores a partner with its apps and users in one transaction.
    async fn create_partner(&self, partner: NewPartner) -> StoreResult<()>;
    /// The partner with this tenant id.
    async fn partner(&self, tenant_id: &str) -> StoreResult<Option<PartnerRecord>>;
    /// The partner with this verified domain (case-insensitive).
    async fn partner_by_domain(&self, domain: &str) -> StoreResult<Option<PartnerRecord>>;
    /// How many partners exist.
    async fn partner_count(&self) -> StoreResult<u64>;
    /// The oldest partner: the one created at first start.
    async fn first_partner(&self) -> StoreResult<Option<PartnerRecord>>;
    /// An app registration by client id.
    async fn app(&self, client_id: &str) -> StoreResult<Option<AppRecord>>;
    /// The apps of a partner.
    async fn apps_of(&self, tenant_id: &str) -> StoreResult<Vec<AppRecord>>;
    /// A user by user principal name (case-insensitive).
    async fn user_by_upn(&self, upn: &str) -> StoreResult<Option<UserRecord>>;
    /// The users of a partner.
    async fn users_of(&self, tenant_id: &str) -> StoreResult<Vec<UserRecord>>;
    /// Everything the API needs to know about a token's subject, in one read.
    async fn principal(
        &self,
        tenant_id: &str,
        client_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<Option<Principal>>;
    /// Makes `provider` an indirect provider of `reseller` (idempotent).
    async fn link_partners(&self, provider: &str, reseller: &str) -> StoreResult<()>;
    /// Partners linked to this one, with the direction of each link.
    async fn partner_links(&self, tenant_id: &str) -> StoreResult<Vec<PartnerLink>>;
}

/// Token signing keys and server-wide secrets, shared by every node.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Every signing key, newest first.
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Adds a signing key.
    async fn add_signing_key(&self, key: SigningKeyRecord) -> StoreResult<()>;
    /// The secret stored under `name`; `candidate` is stored and returned if there is none yet,
    /// so concurrent first callers on several nodes all end with the same value.
    async fn secret(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>>;
}

/// Customers, their profiles and partners' relationships to them.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates a customer related to `new.partner_id`, enforcing domain uniqueness and, when
    /// `cap` is given, the partner's customer cap, atomically.
    async fn create_customer(
        &self,
        new: NewCustomer,
        cap: Option<u32>,
    ) -> StoreResult<CustomerView>;
    /// A customer as `partner_id` sees it.
    async fn customer(&self, partner_id: &str, customer_id: &str) -> StoreResult<CustomerLookup>;
    /// One page of the partner's customers after the keyset cursor `after`, oldest first.
    async fn list_customers(
        &self,
        partner_id: &str,
        query: &CustomerQuery,
    ) -> StoreResult<Vec<CustomerView>>;
    /// Removes the partner's reseller relationship and/or delegated access.
    async fn remove_relationship(
        &self,
        partner_id: &str,
        customer_id: &str,
        removal: RelationshipRemoval,
    ) -> StoreResult<CustomerView>;
    /// Deletes a customer, its profiles, relationships and domain. False if it did not exist.
    async fn delete_customer(&self, customer_id: &str) -> StoreResult<bool>;
    /// Compare-and-swap of the billing profile: written only if the stored ETag matches.
    async fn update_billing_profile(
        &self,
        partner_id: &str,
        customer_id: &str,
        expected: EtagCondition,
        profile: BillingProfile,
        new_etag: i64,
    ) -> StoreResult<CustomerView>;
    /// Every partner related to a customer, with its role.
    async fn customer_partners(
        &self,
        customer_id: &str,
    ) -> StoreResult<Vec<(PartnerRecord, CustomerRole)>>;
    /// Whether any customer holds this domain (case-insensitive).
    async fn domain_taken(&self, domain: &str) -> StoreResult<bool>;
    /// Whether the store answers at all.
    async fn ping(&self) -> StoreResult<()>;
}

/// Every storage capability partnerd needs.
pub trait Store: PartnerStore + KeyStore + CustomerStore {}
impl<T: PartnerStore + KeyStore + CustomerStore> Store for T {}

/// A shared handle to a store.
pub type DynStore = Arc<dyn Store>;

/// Opens the store a database URL names, running its migrations.
///
/// `sqlite://PATH` (relative to the working directory), `sqlite:///ABS/PATH` and
/// `sqlite::memory:` are understood; any other scheme is a clear error.
pub async fn open(url: &str) -> StoreResult<DynStore> {
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
    match scheme {
        "sqlite" => Ok(Arc::new(sqlite::SqliteStore::open(url)?)),
        "postgres" | "postgresql" => Err(StoreError::Config(
            "this build of partnerd has no PostgreSQL backend; use a sqlite:// URL".to_owned(),
        )),
        _ => Err(StoreError::Config(format!(
            "unsupported database URL '{url}': expected sqlite://PATH"
        ))),
    }
}
