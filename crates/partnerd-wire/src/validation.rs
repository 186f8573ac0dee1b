//! Market rules and address validation: `CountryValidationRules` as
//! `GET /v1/countryvalidationrules/{iso2}` answers it, and the answer of
//! `POST /v1/validations/address`.

use serde::{Deserialize, Serialize};

use crate::customer::Address;
use crate::resource::{read_only, ResourceAttributes};

/// What a country requires of a customer's address and profile, as Partner Center records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CountryValidationRules {
    /// ISO 3166-1 alpha-2 code, upper case.
    pub iso2_code: String,
    /// The culture a customer of the country gets by default (`en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_culture: Option<String>,
    /// Whether an address must name a state.
    #[serde(default)]
    pub is_state_required: bool,
    /// The states an address may name, where the country has a list.
    #[serde(default)]
    pub supported_states_list: Vec<String>,
    /// Languages (`en`).
    #[serde(default)]
    pub supported_languages_list: Vec<String>,
    /// Cultures (`en-US`).
    #[serde(default)]
    pub supported_cultures_list: Vec<String>,
    /// Whether an address must carry a postal code.
    #[serde(default)]
    pub is_postal_code_required: bool,
    /// The postal codes of the country, as a regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code_regex: Option<String>,
    /// Whether an address must name a city.
    #[serde(default)]
    pub is_city_required: bool,
    /// Whether a VAT id may be given.
    #[serde(default)]
    pub is_vat_id_supported: bool,
    /// The tax id's format, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id_format: Option<String>,
    /// A sample tax id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id_sample: Option<String>,
    /// VAT ids, as a regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id_regex: Option<String>,
    /// Phone numbers, as a regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_regex: Option<String>,
    /// Whether a tax id may be given.
    #[serde(default)]
    pub is_tax_id_supported: bool,
    /// Whether the tax id is optional.
    #[serde(default)]
    pub is_tax_id_optional: bool,
    /// Country calling codes (`1`).
    #[serde(default)]
    pub country_calling_codes_list: Vec<String>,
    /// Organization registration numbers, as a regular expression, where one is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_organization_registration_number_regex: Option<String>,
    /// Whether an organization registration number is required.
    #[serde(default)]
    pub customer_organization_registration_number_required: bool,
    /// Whether a customer's address must carry a phone number.
    #[serde(default)]
    pub customer_organization_phone_number_required: bool,
    /// Attributes (`CountryValidationRules`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// What address validation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum AddressValidationStatus {
    /// Valid, and goods can be shipped to it.
    VerifiedShippable,
    /// Valid.
    Verified,
    /// Valid once one detail is confirmed: see the one suggestion.
    InteractionRequired,
    /// The street could not be verified whole.
    StreetPartial,
    /// The premises (number, suite) could not be verified.
    PremisesPartial,
    /// Several addresses match: see the suggestions (three at most).
    Multiple,
    /// Not a valid address.
    None,
    /// Not checked (a market without validation).
    NotValidated,
}

/// The answer of `POST /v1/validations/address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddressValidationResponse {
    /// The address as sent.
    pub original_address: Address,
    /// Addresses to use instead, or confirm.
    #[serde(default)]
    pub suggested_addresses: Vec<Address>,
    /// What validation found.
    pub status: AddressValidationStatus,
    /// Why, when the address is not valid as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_message: Option<String>,
}

/// A customer's account validation status
/// (`GET /v1/customers/{id}/validationStatus?type=account`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationStatus {
    /// What was validated: `account`.
    #[serde(rename = "type")]
    pub validation_type: String,
    /// `Allowed`, `UnderReview`, `NotAllowed`, `Unknown` or `Not Ready`.
    pub status: String,
    /// When the status last changed (ISO 8601, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_date_time: Option<String>,
}
