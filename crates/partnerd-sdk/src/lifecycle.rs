//! What a customer gathers after its creation, shaped like the .NET SDK's operations:
//! `customers().by_id(id).qualifications()` (`Customers.ById(c).Qualification`),
//! `.subscription(sub)` (`Customers.ById(c).Subscriptions.ById(s)`), `.verified_domain(…)`,
//! `.gcc_validation()`, `.validation_status()`, and the partner's GCC validation codes,
//! `validations().validation_codes()` (`Validations.GetValidationCodes()`).

use partnerd_wire::{
    CustomerQualification, CustomerQualificationRequest, Domain, GccValidationRelationship,
    Qualification, Subscription, ValidationCode, ValidationStatus, VerifiedDomain,
};
use reqwest::Method;

use crate::error::Result;
use crate::operations::CustomerOperations;
use crate::transport::{segment, Call};

/// `/v1/customers/{id}/qualifications` and the older `/v1/customers/{id}/qualification`.
#[derive(Debug, Clone)]
pub struct QualificationOperations {
    pub(crate) customer: CustomerOperations,
}

impl QualificationOperations {
    /// The customer's qualifications with their vetting status (`GetQualifications()`).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::{CustomerQualificationRequest, EducationSegment, Qualification};
    /// let id = client.customers().create(&new_customer("school.onmicrosoft.com")).await?.id.unwrap();
    /// let qualifications = client.customers().by_id(&id).qualifications();
    /// assert!(qualifications.get().await?.is_empty());
    /// let asked = qualifications
    ///     .create(&CustomerQualificationRequest {
    ///         qualification: Qualification::Education,
    ///         education_segment: Some(EducationSegment::K12),
    ///         validation_code: None,
    ///         website: Some("https://school.example.edu".into()),
    ///     })
    ///     .await?;
    /// assert_eq!(asked.vetting_status.as_deref(), Some("InReview"));
    /// // partnerd's review rule decides by the next read (no delay by default).
    /// assert_eq!(qualifications.get().await?[0].vetting_status.as_deref(), Some("Approved"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<Vec<CustomerQualification>> {
        let call = Call::new(Method::GET, self.customer.path("/qualifications"));
        self.customer.client.execute_json(&call).await
    }

    /// Asks for a qualification (`CreateQualifications(request)`, app+user token); a
    /// GovernmentCommunityCloud request carries one of the partner's validation codes.
    pub async fn create(
        &self,
        request: &CustomerQualificationRequest,
    ) -> Result<CustomerQualification> {
        let call = Call::new(Method::POST, self.customer.path("/qualifications")).json(request)?;
        self.customer.client.execute_json(&call).await
    }

    /// The older synchronous read: one qualification, `None` when there is none.
    pub async fn get_legacy(&self) -> Result<Qualification> {
        let call = Call::new(Method::GET, self.customer.path("/qualification"));
        self.customer.client.execute_json(&call).await
    }

    /// The older synchronous update, with the GCC validation code as `?code=` when given
    /// (app+user token).
    pub async fn update_legacy(
        &self,
        qualification: Qualification,
        code: Option<&str>,
    ) -> Result<Qualification> {
        let mut call =
            Call::new(Method::PUT, self.customer.path("/qualification")).json(&qualification)?;
        if let Some(code) = code {
            call.query.push(("code", code.to_owned()));
        }
        self.customer.client.execute_json(&call).await
    }
}

/// `/v1/customers/{id}/subscriptions/{subscriptionId}`.
#[derive(Debug, Clone)]
pub struct SubscriptionOperations {
    pub(crate) customer: CustomerOperations,
    pub(crate) id: String,
}

impl SubscriptionOperations {
    fn path(&self) -> String {
        self.customer
            .path(&format!("/subscriptions/{}", segment(&self.id)))
    }

    /// Gets the subscription.
    pub async fn get(&self) -> Result<Subscription> {
        self.customer
            .client
            .execute_json(&Call::new(Method::GET, self.path()))
            .await
    }

    /// Changes the subscription (`Patch(subscription)`): send it as read, with its status
    /// (`active`, `suspended`), quantity, friendly name or auto-renewal changed.
    pub async fn patch(&self, subscription: &Subscription) -> Result<Subscription> {
        let call = Call::new(Method::PATCH, self.path()).json(subscription)?;
        self.customer.client.execute_json(&call).await
    }
}

impl CustomerOperations {
    /// The customer's qualifications.
    pub fn qualifications(&self) -> QualificationOperations {
        QualificationOperations {
            customer: self.clone(),
        }
    }

    /// One of the caller's subscriptions on the customer.
    pub fn subscription(&self, id: impl Into<String>) -> SubscriptionOperations {
        SubscriptionOperations {
            customer: self.clone(),
            id: id.into(),
        }
    }

    /// Adds a domain to the customer (registrar partners; a sandbox partner is one).
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::*;
    /// let id = client.customers().create(&new_customer("shop.onmicrosoft.com")).await?.id.unwrap();
    /// let domain = Domain {
    ///     name: Some("shop.example".into()),
    ///     capability: DomainCapability::Email,
    ///     authentication_type: DomainAuthenticationType::Managed,
    ///     status: DomainStatus::Verified,
    ///     verification_method: DomainVerificationMethod::DnsRecord,
    ///     is_default: None,
    ///     is_initial: None,
    ///     root_domain: None,
    /// };
    /// let request = VerifiedDomain {
    ///     verified_domain_name: "shop.example".into(),
    ///     domain,
    ///     domain_federation_settings: None,
    /// };
    /// client.customers().by_id(&id).verified_domain(&request).await?;
    /// assert!(client.domains().by_domain("shop.example").exists().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verified_domain(&self, request: &VerifiedDomain) -> Result<Domain> {
        let call = Call::new(Method::POST, self.path("/verifieddomain")).json(request)?;
        self.client.execute_json(&call).await
    }

    /// The GCC validation code the customer was qualified with.
    pub async fn gcc_validation(&self) -> Result<GccValidationRelationship> {
        self.client
            .execute_json(&Call::new(Method::GET, self.path("/validations")))
            .await
    }

    /// The customer's account validation status (app+user token); 404/600074 when it has
    /// none.
    pub async fn validation_status(&self) -> Result<ValidationStatus> {
        let mut call = Call::new(Method::GET, self.path("/validationStatus"));
        call.query.push(("type", "account".to_owned()));
        self.client.execute_json(&call).await
    }
}

impl crate::ValidationsOperations {
    /// The partner's GCC validation codes.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let codes = client.validations().validation_codes().await?;
    /// assert_eq!(codes[0].remaining_creates, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn validation_codes(&self) -> Result<Vec<ValidationCode>> {
        self.client()
            .execute_json(&Call::new(Method::GET, "/v1/customers/all/validations"))
            .await
    }
}
