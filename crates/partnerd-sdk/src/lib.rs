//! A Rust client for the Partner Center customer-accounts API.
//!
//! It works against the real service and against partnerd alike: point
//! [`PartnerCenterBuilder::base_url`] and [`PartnerCenterBuilder::authority`] at a partnerd to
//! test, or choose a [`Cloud`] for the real thing.
//!
//! ```
//! use std::time::Duration;
//! use partnerd_sdk::{Cloud, Credentials, PartnerCenter, RetryPolicy};
//!
//! let client = PartnerCenter::builder()
//!     .cloud(Cloud::Public)
//!     .credentials(Credentials::client_secret("contoso.onmicrosoft.com", "app-id", "secret"))
//!     .timeout(Duration::from_secs(30))
//!     .retry(RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) })
//!     .correlation_id("8f1f6d3c-0000-4000-8000-000000000001")
//!     .build()
//!     .unwrap();
//! assert_eq!(client.base_url(), "https://api.partnercenter.microsoft.com");
//! assert_eq!(client.correlation_id(), "8f1f6d3c-0000-4000-8000-000000000001");
//! let other = client.with_correlation_id("another");
//! assert_eq!(other.correlation_id(), "another");
//! ```
//!
//! Every operation is one logical request: it carries one `MS-RequestId`, the same on each of
//! its retries, so that the service can replay a write instead of doing it twice.

#![warn(missing_docs)]

mod agreements;
mod auth;
mod error;
mod lifecycle;
mod operations;
mod security;
mod transport;
mod users;
mod validations;

use std::sync::Arc;
use std::time::Duration;

pub use agreements::{
    AgreementDetailsOperations, AgreementDocumentOperations, AgreementTemplateOperations,
    AgreementTemplatesOperations, CustomerAgreementOperations,
};
pub use auth::{Credentials, TokenEndpoint};
pub use error::{Error, Result, Tracking};
pub use lifecycle::{QualificationOperations, SubscriptionOperations};
pub use operations::{
    BillingProfileOperations, CompanyProfileOperations, CustomerOperations,
    CustomerRelationshipOperations, CustomersOperations, DomainOperations, DomainsOperations,
    ProfilesOperations, RelationshipsOperations,
};
pub use partnerd_wire as wire;
pub use partnerd_wire::{
    ApiFault, Customer, CustomerBillingProfile, CustomerCompanyProfile, CustomerFilter,
    CustomerSearchField, PartnerRelationship, ResourceCollection,
};
pub use security::{
    SecurityOperations, SelfServePoliciesOperations, SelfServePolicyOperations,
    ServiceIncidentsOperations,
};
pub use transport::{RetryEvent, RetryHook, RetryPolicy};
pub use users::{
    DirectoryRoleCollectionOperations, DirectoryRoleOperations, UserCollectionOperations,
    UserMemberOperations, UserOperations,
};
pub use validations::{CountryValidationRulesOperations, ValidationsOperations};

/// A Partner Center cloud: the API and token-service addresses to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// The public cloud.
    #[default]
    Public,
    /// The US Government cloud.
    UsGov,
    /// The cloud operated by 21Vianet in China.
    China,
}

impl Cloud {
    /// The API's base URL.
    pub fn api_base(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::UsGov => "https://api.partnercenter.microsoft.com",
            Cloud::China => "https://partner.partnercenterapi.microsoftonline.cn",
        }
    }

    /// The token service's authority.
    pub fn authority(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGov => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The resource (audience) tokens are asked for.
    pub fn resource(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::UsGov => "https://api.partnercenter.microsoft.com",
            Cloud::China => "https://partner.partnercenterapi.microsoftonline.cn",
        }
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) authority: String,
    pub(crate) resource: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) on_retry: Option<transport::RetryHook>,
    pub(crate) tokens: auth::TokenSource,
}

/// A Partner Center client. Cloning is cheap; clones share the connection pool and the token
/// cache.
#[derive(Clone)]
pub struct PartnerCenter {
    pub(crate) inner: Arc<Inner>,
    pub(crate) correlation_id: String,
}

impl std::fmt::Debug for PartnerCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerCenter")
            .field("base_url", &self.inner.base_url)
            .field("authority", &self.inner.authority)
            .field("correlation_id", &self.correlation_id)
            .finish_non_exhaustive()
    }
}

impl PartnerCenter {
    /// A builder with the public cloud's addresses, a 100 s timeout and the default
    /// [`RetryPolicy`].
    pub fn builder() -> PartnerCenterBuilder {
        PartnerCenterBuilder::default()
    }

    /// The API's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The `MS-CorrelationId` this client sends.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// The same client (sharing pool and tokens) with another `MS-CorrelationId`.
    pub fn with_correlation_id(&self, correlation_id: impl Into<String>) -> Self {
        Self {
            inner: self.inner.clone(),
            correlation_id: correlation_id.into(),
        }
    }

    /// Operations on the partner's customers (`/v1/customers`).
    pub fn customers(&self) -> CustomersOperations {
        CustomersOperations::new(self.clone())
    }

    /// Domain checks (`/v1/domains`).
    pub fn domains(&self) -> DomainsOperations {
        DomainsOperations::new(self.clone())
    }

    /// The partner's own relationships (`/v1/relationships`).
    pub fn relationships(&self) -> RelationshipsOperations {
        RelationshipsOperations::new(self.clone())
    }

    /// Address validation (`/v1/validations`).
    pub fn validations(&self) -> ValidationsOperations {
        ValidationsOperations::new(self.clone())
    }

    /// A country's rules (`/v1/countryvalidationrules/{iso2}`), by ISO 3166-1 alpha-2 code.
    pub fn country_validation_rules(
        &self,
        country: impl Into<String>,
    ) -> CountryValidationRulesOperations {
        CountryValidationRulesOperations::new(self.clone(), country.into())
    }
}

/// Configures a [`PartnerCenter`].
#[derive(Clone)]
pub struct PartnerCenterBuilder {
    base_url: String,
    authority: String,
    resource: String,
    credentials: Option<Credentials>,
    timeout: Duration,
    retry: RetryPolicy,
    correlation_id: Option<String>,
    extra_roots: Vec<Vec<u8>>,
    on_retry: Option<transport::RetryHook>,
}

impl std::fmt::Debug for PartnerCenterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartnerCenterBuilder")
            .field("base_url", &self.base_url)
            .field("authority", &self.authority)
            .field("resource", &self.resource)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("correlation_id", &self.correlation_id)
            .field("extra_roots", &self.extra_roots.len())
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

impl Default for PartnerCenterBuilder {
    fn default() -> Self {
        let cloud = Cloud::Public;
        Self {
            base_url: cloud.api_base().to_owned(),
            authority: cloud.authority().to_owned(),
            resource: cloud.resource().to_owned(),
            credentials: None,
            timeout: Duration::from_secs(100),
            retry: RetryPolicy::default(),
            correlation_id: None,
            extra_roots: Vec::new(),
            on_retry: None,
        }
    }
}

impl PartnerCenterBuilder {
    /// Sets the API base URL, the token authority and the resource of a cloud.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.base_url = cloud.api_base().to_owned();
        self.authority = cloud.authority().to_owned();
        self.resource = cloud.resource().to_owned();
        self
    }

    /// The API's base URL (for partnerd: `http://host:port`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The token service's authority (for partnerd: the same address as the API).
    pub fn authority(mut self, url: impl Into<String>) -> Self {
        self.authority = url.into();
        self
    }

    /// The resource tokens are asked for (the cloud's by default).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// How to get tokens. Required.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The time limit of each attempt (a timed-out attempt is retried).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Calls `hook` before every retry, with the status that failed the attempt and the wait
    /// (a command line says "throttled, retrying in 2 s" with it).
    pub fn on_retry(mut self, hook: impl Fn(&RetryEvent) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// The `MS-CorrelationId` to send; a new GUID by default.
    pub fn correlation_id(mut self, correlation_id: impl Into<String>) -> Self {
        self.correlation_id = Some(correlation_id.into());
        self
    }

    /// Also trusts this CA certificate (PEM), e.g. the one `partnerd serve --tls-self-signed`
    /// keeps in its data directory. The public roots stay trusted.
    #[cfg(feature = "https")]
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(pem.into());
        self
    }

    /// Builds the client. Fails without credentials, with an unusable URL or certificate.
    pub fn build(self) -> Result<PartnerCenter> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::Config("no credentials were given".into()))?;
        let trim = |s: String| s.trim_end_matches('/').to_owned();
        let base_url = trim(self.base_url);
        let authority = trim(self.authority);
        let resource = trim(self.resource);
        for (name, url) in [("base URL", &base_url), ("authority", &authority)] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::Config(format!(
                    "the {name} {url:?} is not an http(s) URL"
                )));
            }
        }
        #[allow(unused_mut)] // only the https feature adds roots
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(30)));
        #[cfg(feature = "https")]
        for pem in &self.extra_roots {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::Config(format!("not a PEM certificate: {e}")))?;
            http = http.add_root_certificate(cert);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("the HTTP client cannot be built: {e}")))?;
        Ok(PartnerCenter {
            inner: Arc::new(Inner {
                http,
                base_url,
                authority,
                resource,
                retry: self.retry,
                on_retry: self.on_retry,
                tokens: auth::TokenSource::new(credentials),
            }),
            correlation_id: self
                .correlation_id
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        })
    }
}
