//! Address validation and market rules: `client.validations().address(&address)` and
//! `client.country_validation_rules("US").get()`, as the .NET SDK's
//! `Validations.IsAddressValid` and `CountryValidationRules.ByCountry(c).Get()`.

use partnerd_wire::{Address, AddressValidationResponse, CountryValidationRules};
use reqwest::Method;

use crate::error::Result;
use crate::transport::{segment, Call};
use crate::PartnerCenter;

/// `/v1/validations`.
#[derive(Debug, Clone)]
pub struct ValidationsOperations {
    client: PartnerCenter,
}

impl ValidationsOperations {
    pub(crate) fn new(client: PartnerCenter) -> Self {
        Self { client }
    }

    pub(crate) fn client(&self) -> &PartnerCenter {
        &self.client
    }

    /// Checks an address against its country's rules; writes nothing.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// use partnerd_sdk::wire::{Address, AddressValidationStatus};
    /// let address = Address {
    ///     address_line1: Some("1 Microsoft Way".into()),
    ///     city: Some("Redmond".into()),
    ///     state: Some("WA".into()),
    ///     postal_code: Some("98052".into()),
    ///     country: Some("US".into()),
    ///     ..Default::default()
    /// };
    /// let checked = client.validations().address(&address).await?;
    /// assert_eq!(checked.status, AddressValidationStatus::VerifiedShippable);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn address(&self, address: &Address) -> Result<AddressValidationResponse> {
        let call = Call::new(Method::POST, "/v1/validations/address").json(address)?;
        self.client.execute_json(&call).await
    }
}

/// `/v1/countryvalidationrules/{iso2}`.
#[derive(Debug, Clone)]
pub struct CountryValidationRulesOperations {
    client: PartnerCenter,
    country: String,
}

impl CountryValidationRulesOperations {
    pub(crate) fn new(client: PartnerCenter, country: String) -> Self {
        Self { client, country }
    }

    /// The country's rules: states, postal-code pattern, cultures, languages, calling codes,
    /// tax and registration ids.
    /// ```
    /// # include!("../doc/partnerd.rs");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), partnerd_sdk::Error> {
    /// # let (client, _partnerd) = partnerd().await;
    /// let us = client.country_validation_rules("US").get().await?;
    /// assert!(us.is_state_required && us.supported_states_list.contains(&"WA".to_owned()));
    /// let missing = client.country_validation_rules("UK").get().await.unwrap_err();
    /// assert_eq!(missing.status(), Some(404));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<CountryValidationRules> {
        let call = Call::new(
            Method::GET,
            format!("/v1/countryvalidationrules/{}", segment(&self.country)),
        );
        self.client.execute_json(&call).await
    }
}
