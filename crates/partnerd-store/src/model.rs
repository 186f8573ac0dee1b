//! Domain records: what the store keeps, independent of any backend or wire format.

use partnerd_wire::{Address, CustomerBillingProfile, CustomerCompanyProfile};
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, CustomerId, TenantId, UserId};

/// Sandbox partners may create a limited number of customers; production partners may not delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerKind {
    /// An integration-sandbox partner.
    Sandbox,
    /// A production partner.
    Production,
}

impl PartnerKind {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }

    /// Parses `sandbox` or `production` in any casing.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "sandbox" => Some(Self::Sandbox),
            "production" => Some(Self::Production),
            _ => None,
        }
    }
}

/// A partner tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerRecord {
    /// Tenant id.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// MPN id.
    pub mpn_id: String,
    /// Sandbox or production.
    pub kind: PartnerKind,
    /// Most customers a sandbox partner may hold; 0 = no cap.
    pub customer_cap: u32,
    /// The partner's verified domain (`contoso.onmicrosoft.com`).
    pub domain: String,
}

/// An app registration of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRecord {
    /// Client (application) id.
    pub client_id: ClientId,
    /// Owning partner.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// Hash of the client secret (PHC string).
    pub secret_hash: String,
}

/// A user of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    /// Object id.
    pub object_id: UserId,
    /// Owning partner.
    pub tenant_id: TenantId,
    /// User principal name.
    pub upn: String,
    /// Hash of the password (PHC string).
    pub password_hash: String,
    /// Whether the user has registered multi-factor authentication.
    pub mfa: bool,
}

/// A partner with its first apps and users.
#[derive(Debug, Clone)]
pub struct NewPartner {
    /// The partner.
    pub partner: PartnerRecord,
    /// Its app registrations.
    pub apps: Vec<AppRecord>,
    /// Its users.
    pub users: Vec<UserRecord>,
    /// Its GCC validation codes.
    pub validation_codes: Vec<crate::lifecycle::ValidationCodeRecord>,
}

/// Who a token speaks for, as the store knows it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The partner.
    pub partner: PartnerRecord,
    /// Whether the app exists and belongs to the partner.
    pub app_known: bool,
    /// The user, when one was asked for and exists in the partner.
    pub user: Option<UserRecord>,
}

/// Direction of a partner-to-partner link, seen from one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDirection {
    /// The other partner is an indirect reseller of this one.
    OtherIsReseller,
    /// The other partner is an indirect provider of this one.
    OtherIsProvider,
}

/// A partner linked to another.
#[derive(Debug, Clone)]
pub struct PartnerLink {
    /// The other partner.
    pub other: PartnerRecord,
    /// How it relates.
    pub direction: LinkDirection,
}

/// A key that signs access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningKeyRecord {
    /// Key id, the JWT `kid`.
    pub kid: String,
    /// Private key, PKCS#8 PEM.
    pub private_pem: String,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
}

/// The company facts of a customer (all but tenant id and domain, which are columns).
pub type CompanyProfile = CustomerCompanyProfile;

/// The stored billing profile, without links or attributes.
pub type BillingProfile = CustomerBillingProfile;

/// A partner's role towards a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerRole {
    /// The partner sells to the customer directly (or as its indirect provider).
    Reseller,
    /// The partner is the indirect reseller named in `associatedPartnerId`.
    IndirectReseller,
}

impl CustomerRole {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reseller => "reseller",
            Self::IndirectReseller => "indirect_reseller",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reseller" => Some(Self::Reseller),
            "indirect_reseller" => Some(Self::IndirectReseller),
            _ => None,
        }
    }
}

/// A customer as created.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The creating partner.
    pub partner_id: TenantId,
    /// Tenant id.
    pub id: CustomerId,
    /// Commerce id.
    pub commerce_id: String,
    /// Default domain, lower case.
    pub domain: String,
    /// Company profile facts.
    pub company: CompanyProfile,
    /// Billing profile, with its id.
    pub billing: BillingProfile,
    /// First ETag of the billing profile.
    pub etag: i64,
    /// Hash of the generated admin password.
    pub admin_password_hash: String,
    /// Indirect reseller to relate as well.
    pub associated_partner_id: Option<TenantId>,
}

/// A stored customer, as one partner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    /// Keyset position: strictly increasing in creation order, never reused.
    pub seq: i64,
    /// Tenant id.
    pub id: CustomerId,
    /// Commerce id.
    pub commerce_id: String,
    /// Default domain, lower case.
    pub domain: String,
    /// All domains of the tenant.
    pub custom_domains: Vec<String>,
    /// Company profile facts.
    pub company: CompanyProfile,
    /// Billing profile.
    pub billing: BillingProfile,
    /// Current billing profile ETag.
    pub etag: i64,
    /// Indirect reseller recorded at creation.
    pub associated_partner_id: Option<TenantId>,
    /// The viewing partner's role.
    pub role: CustomerRole,
    /// Whether the viewing partner holds delegated admin access.
    pub delegated_access: bool,
}

/// Result of looking a customer up for a partner.
#[derive(Debug, Clone)]
pub enum CustomerLookup {
    /// Exists and the partner is related to it.
    Related(Box<CustomerView>),
    /// Exists, but the partner has no relationship with it.
    Unrelated,
    /// Does not exist.
    Missing,
}

/// A customer search, in domain terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerFilter {
    /// Company name starts with this (compared after Unicode lower-casing).
    CompanyNamePrefix(String),
    /// Domain starts with this (lower case).
    DomainPrefix(String),
    /// Customers also related to this indirect reseller.
    IndirectReseller(TenantId),
    /// Customers of this indirect provider (the caller being its reseller).
    IndirectProvider(TenantId),
}

impl CustomerFilter {
    /// The value the filter compares with.
    pub fn value(&self) -> &str {
        match self {
            Self::CompanyNamePrefix(v) | Self::DomainPrefix(v) => v,
            Self::IndirectReseller(t) | Self::IndirectProvider(t) => t,
        }
    }
}

/// One page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    /// Only customers matching this.
    pub filter: Option<CustomerFilter>,
    /// Only customers with `seq` greater than this.
    pub after: Option<i64>,
    /// At most this many.
    pub limit: u32,
}

/// What a PATCH removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationshipRemoval {
    /// Remove the partner's reseller relationship.
    pub reseller: bool,
    /// Remove the partner's delegated admin access.
    pub delegated_access: bool,
}

/// The precondition of a billing-profile update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtagCondition {
    /// `If-Match: *`.
    Any,
    /// The stored ETag must equal this.
    Exactly(i64),
}

impl CustomerView {
    /// Whether the viewing partner may make `removal`. An indirect reseller works through its
    /// indirect provider and cannot remove the customer relationship itself (delegated access
    /// it may give up). Both backends check this under their write lock, before writing.
    pub(crate) fn check_removal(
        &self,
        removal: RelationshipRemoval,
    ) -> Result<(), crate::StoreError> {
        if removal.reseller && self.role == CustomerRole::IndirectReseller {
            return Err(crate::StoreError::RemovalByIndirectReseller);
        }
        if !removal.reseller && !removal.delegated_access {
            return Err(crate::StoreError::NothingToRemove);
        }
        Ok(())
    }

    /// The profile and ETag that replace this customer's billing profile, or `EtagMismatch`.
    /// Both backends call it under their write lock, so the check and the write are one
    /// compare-and-swap. The profile keeps its id, and the ETag always changes.
    pub(crate) fn billing_update(
        &self,
        expected: EtagCondition,
        profile: BillingProfile,
        new_etag: i64,
    ) -> Result<(BillingProfile, i64), crate::StoreError> {
        if let EtagCondition::Exactly(etag) = expected {
            if etag != self.etag {
                return Err(crate::StoreError::EtagMismatch);
            }
        }
        let profile = BillingProfile {
            id: self.billing.id.clone(),
            ..profile
        };
        let new_etag = if new_etag == self.etag {
            new_etag.wrapping_add(1)
        } else {
            new_etag
        };
        Ok((profile, new_etag))
    }
}

/// Folds text for case-insensitive prefix search.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// An address is part of the billing profile; re-exported for backends.
pub type StoredAddress = Address;

/// The kinds of grant the token service keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantKind {
    /// A refresh token.
    Refresh,
    /// An authorization code.
    Code,
    /// A device code.
    Device,
    /// The user code of a device code, pointing at it.
    UserCode,
    /// A revoked refresh-token family: every refresh token descended from one sign-in.
    RevokedFamily,
}

impl GrantKind {
    /// The name backends store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refresh => "refresh",
            Self::Code => "code",
            Self::Device => "device",
            Self::UserCode => "user_code",
            Self::RevokedFamily => "revoked_family",
        }
    }

    /// The kind a backend stored under this name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Refresh,
            Self::Code,
            Self::Device,
            Self::UserCode,
            Self::RevokedFamily,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A grant of the token service (see [`crate::GrantStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// What kind of grant.
    pub kind: GrantKind,
    /// Hash of the secret (or the user code).
    pub key: String,
    /// JSON state.
    pub payload: String,
    /// Unix seconds after which the grant is no longer usable.
    pub expires_at: i64,
}

/// A grant's payload change: written only if the stored payload is still `expected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantSwap<'a> {
    /// The payload the caller read.
    pub expected: &'a str,
    /// The payload to write instead.
    pub new: &'a str,
}

/// Which request an idempotency record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// The partner's tenant id.
    pub partner_id: TenantId,
    /// The `MS-RequestId`.
    pub request_id: String,
}

/// A response as stored for replay: status, the headers that belong to it, and the body bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers to replay (content type, ETag).
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

/// What reserving an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is ours (new, or taken over after its lease lapsed): run the request.
    Acquired,
    /// Another request with this key ran to completion; here is its fingerprint and response.
    Completed {
        /// Fingerprint of the request that ran.
        fingerprint: String,
        /// Its response.
        response: StoredResponse,
    },
    /// Another request with this key is running now.
    Pending {
        /// Fingerprint of the running request.
        fingerprint: String,
    },
}

/// A reservation held by one request: where to record its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The key.
    pub key: IdempotencyKey,
    /// A token only this request knows; completing needs it.
    pub token: String,
    /// The node the request runs on, so that the node, restarted after a crash, can release
    /// what its dead process held (see [`crate::IdempotencyStore::release_stale`]).
    pub node: String,
}

/// Renders the response of a write from the written customer (none for a delete).
pub type RenderResponse = Box<dyn FnOnce(Option<&CustomerView>) -> StoredResponse + Send>;

/// Records the response of a write in the same transaction as the write. The renderer gets
/// the written customer (none for a delete) and returns the response bytes to store.
pub struct Completion {
    /// The reservation to complete.
    pub lease: Lease,
    /// Renders the response from the write's result.
    pub render: RenderResponse,
}

impl std::fmt::Debug for Completion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Completion")
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// A partner's relationship to a customer, as exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRelation {
    /// The partner.
    pub partner_id: TenantId,
    /// `reseller` or `indirect_reseller`.
    pub role: String,
    /// Whether it holds delegated admin access.
    pub delegated_access: bool,
}

/// A customer with everything stored about it, in creation order when exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportCustomer {
    /// Tenant id.
    pub id: CustomerId,
    /// Commerce id.
    pub commerce_id: String,
    /// Default domain.
    pub domain: String,
    /// All domains.
    pub custom_domains: Vec<String>,
    /// Company profile facts.
    pub company: CompanyProfile,
    /// Billing profile.
    pub billing: BillingProfile,
    /// Billing-profile ETag.
    pub etag: i64,
    /// Hash of the admin password.
    pub admin_password_hash: String,
    /// Indirect reseller recorded at creation.
    pub associated_partner_id: Option<TenantId>,
    /// Every partner's relationship to it.
    pub relations: Vec<ExportRelation>,
    /// Its documents (subscriptions, qualifications, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<crate::lifecycle::CustomerRecord>,
    /// Domains added after its creation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<partnerd_wire::VerifiedDomain>,
}

/// One line of an export: everything but short-lived grants and idempotency records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "camelCase")]
pub enum ExportRecord {
    /// A partner.
    Partner(PartnerRecord),
    /// An app registration.
    App(AppRecord),
    /// A user.
    User(UserRecord),
    /// An indirect provider and its reseller.
    #[serde(rename_all = "camelCase")]
    Link {
        /// The provider.
        provider_id: TenantId,
        /// The reseller.
        reseller_id: TenantId,
    },
    /// An active signing key.
    Key(SigningKeyRecord),
    /// A server secret (paging, idempotency), base64.
    Secret {
        /// Its name.
        name: String,
        /// Its value, base64.
        value: String,
    },
    /// A customer.
    Customer(Box<ExportCustomer>),
    /// A server-wide document (service incidents).
    Document {
        /// Its kind.
        kind: String,
        /// Its key.
        key: String,
        /// The document.
        body: serde_json::Value,
    },
    /// A partner's GCC validation code.
    #[serde(rename_all = "camelCase")]
    ValidationCode {
        /// The partner.
        partner_id: TenantId,
        /// The code.
        code: crate::lifecycle::ValidationCodeRecord,
    },
}
