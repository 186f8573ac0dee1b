//! Microsoft Customer Agreement attestation, shaped like the .NET SDK's operations:
//! `client.agreement_details()` (`AgreementDetails`), `customers().by_id(id).agreements()`
//! (`Customers.ById(c).Agreements`) and `client.agreement_templates()`
//! (`AgreementTemplates.ById(t).Document.ByLanguage(l).ByCountry(c)`).

use partnerd_wire::{
    Agreement, AgreementDocument, AgreementMetaData, DirectSignStatus, ResourceCollection,
};
use reqwest::Method;

use crate::error::Result;
use crate::operations::CustomerOperations;
use crate::transport::{segment, Call};
use crate::PartnerCenter;

/// `/v1/agreements`: the template catalogue.
#[derive(Debug, Clone)]
pub struct AgreementDetailsOperations {
    client: PartnerCenter,
    agreement_type: Option<String>,
}

impl AgreementDetailsOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self {
            client,
            agreement_type: None,
        }
    }

    /// Only templates of this type (`MicrosoftCustomerAgreement`, `MicrosoftCloudAgreement`,
    /// or `*` for all); without it the service lists the Cloud Agreement alone.
    pub fn by_agreement_type(&self, agreement_type: impl Into<String>) -> Self {
        Self {
            client: self.client.clone(),
            agreement_type: Some(agreement_type.into()),
        }
    }

    /// The templates.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let mca = client.agreement_details().by_agreement_type("MicrosoftCustomerAgreement").get().await?;
    /// assert_eq!(mca.items[0].template_id, "117a77b0-9360-443b-8795-c6dedc750cf9");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<ResourceCollection<AgreementMetaData>> {
        let mut call = Call::new(Method::GET, "/v1/agreements");
        if let Some(t) = &self.agreement_type {
            call.query.push(("agreementType", t.clone()));
        }
        self.client.execute_json(&call).await
    }
}

/// `/v1/customers/{id}/agreements`.
#[derive(Debug, Clone)]
pub struct CustomerAgreementOperations {
    customer: CustomerOperations,
    agreement_type: Option<String>,
}

impl CustomerAgreementOperations {
    /// Only confirmations of this type (`*` for all); without it the service lists Cloud
    /// Agreement confirmations alone.
    pub fn by_agreement_type(&self, agreement_type: impl Into<String>) -> Self {
        Self {
            customer: self.customer.clone(),
            agreement_type: Some(agreement_type.into()),
        }
    }

    /// The customer's confirmations.
    pub async fn get(&self) -> Result<ResourceCollection<Agreement>> {
        let mut call = Call::new(Method::GET, self.customer.path("/agreements"));
        if let Some(t) = &self.agreement_type {
            call.query.push(("agreementType", t.clone()));
        }
        self.customer.client.execute_json(&call).await
    }

    /// Confirms that the customer accepted an agreement (app+user token). A retry after a
    /// lost answer replays the first answer rather than failing with 409/600061.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::{Agreement, Contact};
    /// let id = client.customers().create(&new_customer("contoso.onmicrosoft.com")).await?.id.unwrap();
    /// let template = client.agreement_details().by_agreement_type("MicrosoftCustomerAgreement")
    ///     .get().await?.items.remove(0).template_id;
    /// let agreements = client.customers().by_id(&id).agreements();
    /// agreements
    ///     .create(&Agreement {
    ///         primary_contact: Some(Contact {
    ///             first_name: Some("Ada".into()),
    ///             last_name: Some("Lovelace".into()),
    ///             email: Some("ada@contoso.com".into()),
    ///             phone_number: None,
    ///         }),
    ///         template_id: Some(template),
    ///         date_agreed: Some("2026-01-02T00:00:00Z".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// let confirmed = agreements.by_agreement_type("MicrosoftCustomerAgreement").get().await?;
    /// assert_eq!(confirmed.items.len(), 1);
    /// assert!(!agreements.get_direct_signed_customer_agreement_status().await?.is_signed);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, agreement: &Agreement) -> Result<Agreement> {
        let call = Call::new(Method::POST, self.customer.path("/agreements")).json(agreement)?;
        self.customer.client.execute_json(&call).await
    }

    /// Whether the customer accepted the Microsoft Customer Agreement itself.
    pub async fn get_direct_signed_customer_agreement_status(&self) -> Result<DirectSignStatus> {
        let call = Call::new(
            Method::GET,
            self.customer
                .path("/directSignedMicrosoftCustomerAgreementStatus"),
        );
        self.customer.client.execute_json(&call).await
    }
}

impl CustomerOperations {
    /// The customer's agreement confirmations.
    pub fn agreements(&self) -> CustomerAgreementOperations {
        CustomerAgreementOperations {
            customer: self.clone(),
            agreement_type: None,
        }
    }
}

/// `/v1/agreementtemplates`.
#[derive(Debug, Clone)]
pub struct AgreementTemplatesOperations {
    client: PartnerCenter,
}

impl AgreementTemplatesOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self { client }
    }

    /// One template (ids are case-sensitive).
    pub fn by_id(&self, template_id: impl Into<String>) -> AgreementTemplateOperations {
        AgreementTemplateOperations {
            client: self.client.clone(),
            id: template_id.into(),
        }
    }
}

/// `/v1/agreementtemplates/{templateId}`.
#[derive(Debug, Clone)]
pub struct AgreementTemplateOperations {
    client: PartnerCenter,
    id: String,
}

impl AgreementTemplateOperations {
    /// The template's document.
    pub fn document(&self) -> AgreementDocumentOperations {
        AgreementDocumentOperations {
            template: self.clone(),
            language: None,
            country: None,
        }
    }
}

/// `/v1/agreementtemplates/{templateId}/document`.
#[derive(Debug, Clone)]
pub struct AgreementDocumentOperations {
    template: AgreementTemplateOperations,
    language: Option<String>,
    country: Option<String>,
}

impl AgreementDocumentOperations {
    /// In this language (default `en-US`, also when the country does not offer it).
    pub fn by_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// For this country (case-sensitive ISO code, default `US`).
    pub fn by_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Links to display and download the document, valid five minutes.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let document = client
    ///     .agreement_templates()
    ///     .by_id("117a77b0-9360-443b-8795-c6dedc750cf9")
    ///     .document()
    ///     .by_language("de-DE")
    ///     .by_country("DE")
    ///     .get()
    ///     .await?;
    /// assert_eq!(document.language, "de-DE");
    /// assert!(document.download_uri.contains("sig="));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<AgreementDocument> {
        let mut call = Call::new(
            Method::GET,
            format!(
                "/v1/agreementtemplates/{}/document",
                segment(&self.template.id)
            ),
        );
        if let Some(l) = &self.language {
            call.query.push(("language", l.clone()));
        }
        if let Some(c) = &self.country {
            call.query.push(("country", c.clone()));
        }
        self.template.client.execute_json(&call).await
    }
}

impl PartnerCenter {
    /// The agreement template catalogue (`/v1/agreements`).
    pub fn agreement_details(&self) -> AgreementDetailsOperations {
        AgreementDetailsOperations::new(self.clone())
    }

    /// Agreement templates' documents (`/v1/agreementtemplates`).
    pub fn agreement_templates(&self) -> AgreementTemplatesOperations {
        AgreementTemplatesOperations::new(self.clone())
    }
}
