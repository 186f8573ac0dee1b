//! The security reports, self-serve policies and service incidents, shaped like the .NET
//! SDK's operations where it has them (`SelfServePolicies`, `ServiceIncidents`); the reports
//! (which no SDK wraps) as `client.security()`.

use partnerd_wire::{
    ApplicationMfaAdoptionStatus, NonMfaCompliantPrincipal, PartnerRequest, ResourceCollection,
    SelfServePolicy, ServiceIncidents,
};
use reqwest::Method;

use crate::error::Result;
use crate::transport::{segment, Call};
use crate::PartnerCenter;

/// `/v1/partnerRequests`, `/v1/nonMfaCompliantPartnerPrincipals`,
/// `/v1/applicationmfaadoptionstatus` (app+user).
#[derive(Debug, Clone)]
pub struct SecurityOperations {
    client: PartnerCenter,
}

impl SecurityOperations {
    /// The partner's users' API requests of the last seven days.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// client.customers().query(10, None).await?;
    /// let requests = client.security().partner_requests().await?;
    /// assert_eq!(requests.items[0].operation_name, "Get /v{version}/customers");
    /// assert!(client.security().non_mfa_compliant_principals().await?.items.is_empty());
    /// let adoption = client.security().mfa_adoption(None, None).await?;
    /// assert_eq!(adoption[0].mfa_compliant_request_count, adoption[0].total_request_count);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn partner_requests(&self) -> Result<ResourceCollection<PartnerRequest>> {
        self.client
            .execute_json(&Call::new(Method::GET, "/v1/partnerRequests"))
            .await
    }

    /// The partner's users who signed in or called the API without MFA in the last seven
    /// days.
    pub async fn non_mfa_compliant_principals(
        &self,
    ) -> Result<ResourceCollection<NonMfaCompliantPrincipal>> {
        self.client
            .execute_json(&Call::new(
                Method::GET,
                "/v1/nonMfaCompliantPartnerPrincipals",
            ))
            .await
    }

    /// API requests and how many carried MFA, per day (`YYYY-MM-DD`, both included; the
    /// last seven days by default) and application.
    pub async fn mfa_adoption(
        &self,
        start_date: Option<&str>,
        end_date: Option<&str>,
    ) -> Result<Vec<ApplicationMfaAdoptionStatus>> {
        let mut call = Call::new(Method::GET, "/v1/applicationmfaadoptionstatus");
        if let Some(d) = start_date {
            call.query.push(("startDate", d.to_owned()));
        }
        if let Some(d) = end_date {
            call.query.push(("endDate", d.to_owned()));
        }
        self.client.execute_json(&call).await
    }
}

/// `/v1/SelfServePolicy` (app+user).
#[derive(Debug, Clone)]
pub struct SelfServePoliciesOperations {
    client: PartnerCenter,
}

impl SelfServePoliciesOperations {
    /// The caller's policies for a customer (`Get(entityId)`).
    pub async fn get(&self, customer_id: &str) -> Result<ResourceCollection<SelfServePolicy>> {
        let mut call = Call::new(Method::GET, "/v1/SelfServePolicy");
        call.query.push(("entity_Id", customer_id.to_owned()));
        self.client.execute_json(&call).await
    }

    /// Creates a policy (`Create(policy)`).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::*;
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let policy = SelfServePolicy {
    ///     self_serve_entity: Some(SelfServeEntity {
    ///         self_serve_entity_type: Some("customer".into()),
    ///         tenant_id: Some(id.clone()),
    ///     }),
    ///     grantor: Some(Grantor {
    ///         grantor_type: Some("billToPartner".into()),
    ///         tenant_id: Some(partnerd.partner.tenant_id.clone()),
    ///     }),
    ///     permissions: Some(vec![Permission {
    ///         resource: Some("AzureReservedInstances".into()),
    ///         action: Some("Purchase".into()),
    ///     }]),
    ///     ..Default::default()
    /// };
    /// let created = client.self_serve_policies().create(&policy).await?;
    /// let policies = client.self_serve_policies();
    /// let one = policies.by_id(created.id.as_deref().unwrap());
    /// let updated = one.put(&created).await?;
    /// assert_ne!(updated.attributes, created.attributes, "a new ETag");
    /// one.delete().await?;
    /// assert!(policies.get(&id).await?.items.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, policy: &SelfServePolicy) -> Result<SelfServePolicy> {
        let call = Call::new(Method::POST, "/v1/SelfServePolicy").json(policy)?;
        self.client.execute_json(&call).await
    }

    /// One policy by id (`<partner tenant>_<customer tenant>`).
    pub fn by_id(&self, id: &str) -> SelfServePolicyOperations {
        SelfServePolicyOperations {
            client: self.client.clone(),
            path: format!("/v1/SelfServePolicy/{}", segment(id)),
        }
    }
}

/// `/v1/SelfServePolicy/{id}`.
#[derive(Debug, Clone)]
pub struct SelfServePolicyOperations {
    client: PartnerCenter,
    path: String,
}

impl SelfServePolicyOperations {
    /// Gets the policy.
    pub async fn get(&self) -> Result<SelfServePolicy> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path.clone()))
            .await
    }

    /// Replaces the policy (`Put(policy)`), sending the ETag it carries.
    pub async fn put(&self, policy: &SelfServePolicy) -> Result<SelfServePolicy> {
        let call = Call::new(Method::PUT, self.path.clone()).json(policy)?;
        self.client.execute_json(&call).await
    }

    /// Deletes the policy.
    pub async fn delete(&self) -> Result<()> {
        self.client
            .execute(&Call::new(Method::DELETE, self.path.clone()))
            .await
            .map(|_| ())
    }
}

/// `/v1/serviceincidents/office`.
#[derive(Debug, Clone)]
pub struct ServiceIncidentsOperations {
    client: PartnerCenter,
}

impl ServiceIncidentsOperations {
    /// Every incident, grouped per workload (`Get()`).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let all = client.service_incidents().get().await?;
    /// assert!(all.items.iter().any(|g| g.workload == "Exchange"));
    /// let open = client
    ///     .service_incidents()
    ///     .query(r#"{"Field":"Resolved","Value":"false","Operator":"equals"}"#)
    ///     .await?;
    /// assert!(open.items.iter().flat_map(|g| &g.incidents).all(|i| !i.resolved));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<ResourceCollection<ServiceIncidents>> {
        self.client
            .execute_json(&Call::new(Method::GET, "/v1/serviceincidents/office"))
            .await
    }

    /// The incidents a filter selects (`Query(query)`): the .NET SDK's filter JSON.
    pub async fn query(&self, filter: &str) -> Result<ResourceCollection<ServiceIncidents>> {
        let mut call = Call::new(Method::GET, "/v1/serviceincidents/office");
        call.query.push(("filter", filter.to_owned()));
        self.client.execute_json(&call).await
    }
}

impl PartnerCenter {
    /// The security reports.
    pub fn security(&self) -> SecurityOperations {
        SecurityOperations {
            client: self.clone(),
        }
    }

    /// Self-serve policies.
    pub fn self_serve_policies(&self) -> SelfServePoliciesOperations {
        SelfServePoliciesOperations {
            client: self.clone(),
        }
    }

    /// Service incidents.
    pub fn service_incidents(&self) -> ServiceIncidentsOperations {
        ServiceIncidentsOperations {
            client: self.clone(),
        }
    }
}
