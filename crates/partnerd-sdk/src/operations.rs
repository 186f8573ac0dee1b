//! The fluent surface: `client.customers().by_id(id).profiles().billing().get()`.

use futures_util::stream::{self, Stream, TryStreamExt};
use partnerd_wire::{
    Customer, CustomerBillingProfile, CustomerCompanyProfile, CustomerFilter, Entitlement,
    ManagedService, PartnerRelationship, RelationshipRequest, ResourceCollection, Subscription,
};
use reqwest::Method;
use serde_json::json;

use crate::error::{Error, Result};
use crate::transport::{api_error, segment, Call};
use crate::PartnerCenter;

/// `/v1/customers`.
#[derive(Debug, Clone)]
pub struct CustomersOperations {
    client: PartnerCenter,
}

enum Cursor {
    Start(Call),
    Next(Call),
    Done,
}

impl CustomersOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self { client }
    }

    /// Creates a customer (`POST /v1/customers`). A retry after a lost answer replays the
    /// first answer: the customer is created once.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let created = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?;
    /// assert!(created.id.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, customer: &Customer) -> Result<Customer> {
        let call = Call::new(Method::POST, "/v1/customers").json(customer)?;
        self.client.execute_json(&call).await
    }

    /// The link a customer's admin follows to accept the caller as its reseller (app+user
    /// token), as the .NET SDK's `Customers.RelationshipRequest.Get()`.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let link = client.customers().relationship_request().await?;
    /// assert!(link.url.contains("invType=ResellerRelationship"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn relationship_request(&self) -> Result<RelationshipRequest> {
        self.client
            .execute_json(&Call::new(
                Method::GET,
                "/v1/customers/relationshiprequests",
            ))
            .await
    }

    fn first_page_call(size: u32, filter: Option<&CustomerFilter>) -> Call {
        let mut call = Call::new(Method::GET, "/v1/customers");
        call.query.push(("size", size.to_string()));
        if let Some(f) = filter {
            call.query.push(("filter", f.to_json()));
        }
        call
    }

    /// One page of customers (`GET /v1/customers?size=&filter=`). `size` 0 means the
    /// service's maximum (500).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let customers = client.customers();
    /// for domain in ["a.onmicrosoft.com", "b.onmicrosoft.com", "c.onmicrosoft.com"] {
    ///     customers.create(&new_customer(domain)).await?;
    /// }
    /// let first = customers.query(2, None).await?;
    /// assert_eq!(first.items.len(), 2);
    /// let second = customers.next_page(&first).await?.expect("a second page");
    /// assert_eq!(second.items.len(), 1);
    /// assert!(customers.next_page(&second).await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query(
        &self,
        size: u32,
        filter: Option<CustomerFilter>,
    ) -> Result<ResourceCollection<Customer>> {
        let call = Self::first_page_call(size, filter.as_ref());
        self.client.execute_json(&call).await
    }

    /// The page after `page`, or `None` if `page` was the last.
    pub async fn next_page(
        &self,
        page: &ResourceCollection<Customer>,
    ) -> Result<Option<ResourceCollection<Customer>>> {
        match next_call(page, "/v1/customers") {
            Some(call) => self.client.execute_json(&call).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every page of a scan, following `continuationToken`.
    pub fn pages(
        &self,
        size: u32,
        filter: Option<CustomerFilter>,
    ) -> impl Stream<Item = Result<ResourceCollection<Customer>>> + Send + 'static {
        let client = self.client.clone();
        let start = Cursor::Start(Self::first_page_call(size, filter.as_ref()));
        stream::try_unfold(start, move |cursor| {
            let client = client.clone();
            async move {
                let call = match cursor {
                    Cursor::Start(c) | Cursor::Next(c) => c,
                    Cursor::Done => return Ok(None),
                };
                let page: ResourceCollection<Customer> = client.execute_json(&call).await?;
                let next = match next_call(&page, "/v1/customers") {
                    Some(c) => Cursor::Next(c),
                    None => Cursor::Done,
                };
                Ok(Some((page, next)))
            }
        })
    }

    /// Every customer of the partner, page by page (500 a page), as one stream.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let customers = client.customers();
    /// for domain in ["a.onmicrosoft.com", "b.onmicrosoft.com", "c.onmicrosoft.com"] {
    ///     customers.create(&new_customer(domain)).await?;
    /// }
    /// use futures_util::TryStreamExt;
    /// let all: Vec<_> = customers.all().try_collect().await?;
    /// assert_eq!(all.len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn all(&self) -> impl Stream<Item = Result<Customer>> + Send + 'static {
        self.pages(0, None)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok::<_, Error>)))
            .try_flatten()
    }

    /// Operations on one customer.
    pub fn by_id(&self, id: impl Into<String>) -> CustomerOperations {
        CustomerOperations {
            client: self.client.clone(),
            id: id.into(),
        }
    }
}

/// The call for the page after `page`: its `links.next` when given, else `seekOperation=Next`
/// with the continuation token.
/// The call for the page after `page` (its `links.next`, else a seek on `list`), or `None`.
pub(crate) fn next_call<T>(page: &ResourceCollection<T>, list: &str) -> Option<Call> {
    let token = page.continuation_token.as_ref()?;
    if let Some(next) = &page.links.next {
        if next.method.eq_ignore_ascii_case("GET") && next.uri.starts_with('/') {
            let uri = if next.uri.to_ascii_lowercase().starts_with("/v1") {
                next.uri.clone()
            } else {
                format!("/v1{}", next.uri)
            };
            let mut call = Call::new(Method::GET, uri);
            let mut has_token = false;
            for h in &next.headers {
                if h.key.eq_ignore_ascii_case("MS-ContinuationToken") {
                    has_token = true;
                    call.headers.push(("MS-ContinuationToken", h.value.clone()));
                }
            }
            if !has_token {
                call.headers.push(("MS-ContinuationToken", token.clone()));
            }
            return Some(call);
        }
    }
    let mut call = Call::new(Method::GET, list);
    call.query.push(("seekOperation", "Next".into()));
    call.headers.push(("MS-ContinuationToken", token.clone()));
    Some(call)
}

/// `/v1/customers/{id}`.
#[derive(Debug, Clone)]
pub struct CustomerOperations {
    pub(crate) client: PartnerCenter,
    id: String,
}

impl CustomerOperations {
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("/v1/customers/{}{rest}", segment(&self.id))
    }

    /// The customer's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Gets the customer.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let customer = client.customers().by_id(&id).get().await?;
    /// assert_eq!(customer.id.as_deref(), Some(id.as_str()));
    /// let missing = client.customers().by_id("00000000-0000-0000-0000-000000000000").get().await;
    /// assert_eq!(missing.unwrap_err().status(), Some(404));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<Customer> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path("")))
            .await
    }

    /// Deletes the customer (sandbox partners only).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// client.customers().by_id(&id).delete().await?;
    /// assert_eq!(client.customers().by_id(&id).get().await.unwrap_err().status(), Some(404));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self) -> Result<()> {
        self.client
            .execute(&Call::new(Method::DELETE, self.path("")))
            .await
            .map(|_| ())
    }

    /// Removes the partner's reseller relationship with the customer (app+user token).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// client.customers().by_id(&id).remove_reseller_relationship().await?;
    /// // The partner no longer sees the customer.
    /// assert_eq!(client.customers().by_id(&id).get().await.unwrap_err().status(), Some(403));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_reseller_relationship(&self) -> Result<Customer> {
        let call = Call::new(Method::PATCH, self.path(""))
            .json(&json!({"relationshipToPartner": "none"}))?;
        self.client.execute_json(&call).await
    }

    /// Removes the partner's delegated admin access to the customer (app+user token).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let customer = client.customers().by_id(&id).remove_delegated_access().await?;
    /// assert_eq!(customer.allow_delegated_access, Some(false));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn remove_delegated_access(&self) -> Result<Customer> {
        let call = Call::new(Method::PATCH, self.path(""))
            .json(&json!({"allowDelegatedAccess": false}))?;
        self.client.execute_json(&call).await
    }

    /// The customer's profiles.
    pub fn profiles(&self) -> ProfilesOperations {
        ProfilesOperations {
            customer: self.clone(),
        }
    }

    /// The other partners related to the customer.
    pub fn relationships(&self) -> CustomerRelationshipOperations {
        CustomerRelationshipOperations {
            customer: self.clone(),
        }
    }

    /// The customer's services the caller administers (app+user token).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let services = client.customers().by_id(&id).managed_services().await?;
    /// assert!(services.items.iter().any(|s| s.id == "Exchange"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn managed_services(&self) -> Result<ResourceCollection<ManagedService>> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path("/managedservices")))
            .await
    }

    /// The caller's subscriptions on the customer (none on partnerd, which sells nothing,
    /// unless a test put some there through the control plane).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let customer = client.customers().by_id(&id);
    /// assert!(customer.subscriptions().await?.items.is_empty());
    /// assert!(customer.entitlements().await?.items.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn subscriptions(&self) -> Result<ResourceCollection<Subscription>> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path("/subscriptions")))
            .await
    }

    /// The customer's entitlements (none on partnerd, which sells nothing).
    pub async fn entitlements(&self) -> Result<ResourceCollection<Entitlement>> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path("/entitlements")))
            .await
    }
}

/// `/v1/customers/{id}/profiles`.
#[derive(Debug, Clone)]
pub struct ProfilesOperations {
    customer: CustomerOperations,
}

impl ProfilesOperations {
    /// The billing profile.
    pub fn billing(&self) -> BillingProfileOperations {
        BillingProfileOperations {
            customer: self.customer.clone(),
        }
    }

    /// The company profile.
    pub fn company(&self) -> CompanyProfileOperations {
        CompanyProfileOperations {
            customer: self.customer.clone(),
        }
    }
}

/// `/v1/customers/{id}/profiles/billing`.
#[derive(Debug, Clone)]
pub struct BillingProfileOperations {
    customer: CustomerOperations,
}

impl BillingProfileOperations {
    /// Gets the billing profile; its ETag is in `attributes.etag`.
    pub async fn get(&self) -> Result<CustomerBillingProfile> {
        let c = &self.customer;
        c.client
            .execute_json(&Call::new(Method::GET, c.path("/profiles/billing")))
            .await
    }

    /// Replaces the billing profile. The body's `attributes.etag` is sent as `If-Match`, so the
    /// update fails with 400 (code 2055) if the profile changed since it was read.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let billing = client.customers().by_id(&id).profiles().billing();
    /// let mut profile = billing.get().await?;
    /// profile.first_name = Some("Grace".to_owned());
    /// let updated = billing.update(&profile).await?;
    /// assert_eq!(updated.first_name.as_deref(), Some("Grace"));
    /// // The profile read first is stale now.
    /// let stale = billing.update(&profile).await.unwrap_err();
    /// assert_eq!((stale.status(), stale.code()), (Some(400), Some(2055)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, profile: &CustomerBillingProfile) -> Result<CustomerBillingProfile> {
        let c = &self.customer;
        let mut call = Call::new(Method::PUT, c.path("/profiles/billing")).json(profile)?;
        if let Some(etag) = profile.attributes.as_ref().and_then(|a| a.etag.as_ref()) {
            call.headers.push(("If-Match", format!("\"{etag}\"")));
        }
        c.client.execute_json(&call).await
    }
}

/// `/v1/customers/{id}/profiles/company`.
#[derive(Debug, Clone)]
pub struct CompanyProfileOperations {
    customer: CustomerOperations,
}

impl CompanyProfileOperations {
    /// Gets the company profile (app+user token).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let company = client.customers().by_id(&id).profiles().company().get().await?;
    /// assert_eq!(company.domain.as_deref(), Some("contoso.onmicrosoft.com"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<CustomerCompanyProfile> {
        let c = &self.customer;
        c.client
            .execute_json(&Call::new(Method::GET, c.path("/profiles/company")))
            .await
    }
}

/// `/v1/customers/{id}/relationships`.
#[derive(Debug, Clone)]
pub struct CustomerRelationshipOperations {
    customer: CustomerOperations,
}

impl CustomerRelationshipOperations {
    /// The other partners related to the customer, seen from the caller (app+user token).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let related = client.customers().by_id(&id).relationships().get().await?;
    /// assert!(related.items.is_empty()); // no other partner serves this customer
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<ResourceCollection<PartnerRelationship>> {
        let c = &self.customer;
        c.client
            .execute_json(&Call::new(Method::GET, c.path("/relationships")))
            .await
    }
}

/// `/v1/domains`.
#[derive(Debug, Clone)]
pub struct DomainsOperations {
    client: PartnerCenter,
}

impl DomainsOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self { client }
    }

    /// Operations on one domain.
    pub fn by_domain(&self, domain: impl Into<String>) -> DomainOperations {
        DomainOperations {
            client: self.client.clone(),
            domain: domain.into(),
        }
    }
}

/// `/v1/domains/{domain}`.
#[derive(Debug, Clone)]
pub struct DomainOperations {
    client: PartnerCenter,
    domain: String,
}

impl DomainOperations {
    /// Whether any customer holds the domain (`HEAD`: 200 is true, 404 is false).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?;
    /// assert!(client.domains().by_domain("contoso.onmicrosoft.com").exists().await?);
    /// assert!(!client.domains().by_domain("fabrikam.onmicrosoft.com").exists().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exists(&self) -> Result<bool> {
        let call = Call::new(
            Method::HEAD,
            format!("/v1/domains/{}", segment(&self.domain)),
        );
        let (answer, tracking) = self.client.execute_raw(&call).await?;
        match answer.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(api_error(&answer, tracking)),
        }
    }
}

/// `/v1/relationships`.
#[derive(Debug, Clone)]
pub struct RelationshipsOperations {
    client: PartnerCenter,
}

impl RelationshipsOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self { client }
    }

    /// The partners linked to the caller (indirect resellers and providers).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let linked = client.relationships().get().await?;
    /// assert!(linked.items.is_empty()); // a new partner has no links
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<ResourceCollection<PartnerRelationship>> {
        self.client
            .execute_json(&Call::new(Method::GET, "/v1/relationships"))
            .await
    }
}
