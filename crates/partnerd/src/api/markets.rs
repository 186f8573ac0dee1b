//! The market table: what every country Partner Center sells in requires of an address
//! (states, postal codes, city), generated from maintained sources by `tools/markets/`
//! into `data/markets.json` and embedded in the binary. It answers
//! `GET /v1/countryvalidationrules/{iso2}`, and the same table drives address validation and
//! the address checks of customer create and billing-profile update, so they never disagree.
//!
//! The organization registration number and phone rules come from [`super::customers::rules`],
//! the one place create validation reads them, and are filled into each country's answer here.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::State;
use partnerd_wire::{CountryValidationRules, ResourceAttributes};
use regex::Regex;
use serde::Deserialize;

use crate::api::customers::rules;
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::Segment;
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// One country of the table.
#[derive(Debug)]
pub struct Market {
    /// Its answer to `GET /v1/countryvalidationrules/{iso2}`.
    pub rules: CountryValidationRules,
    /// Its postal-code pattern, compiled.
    pub postal_code: Option<Regex>,
}

impl Market {
    /// Whether `state` (any casing) is one the country lists; true where it lists none.
    pub fn admits_state(&self, state: &str) -> bool {
        self.rules.supported_states_list.is_empty()
            || self
                .rules
                .supported_states_list
                .iter()
                .any(|s| s.eq_ignore_ascii_case(state.trim()))
    }

    /// Whether `postal_code` matches the country's pattern; true where it has none.
    pub fn admits_postal_code(&self, postal_code: &str) -> bool {
        // Postal codes are compared in upper case: `sw1a 1aa` is the same code as `SW1A 1AA`.
        self.postal_code
            .as_ref()
            .is_none_or(|re| re.is_match(&postal_code.trim().to_ascii_uppercase()))
    }
}

#[derive(Deserialize)]
struct File {
    countries: Vec<CountryValidationRules>,
}

/// Every market, by upper-case ISO code.
pub struct Markets(HashMap<String, Market>);

impl Markets {
    /// The market of `code`, in any casing.
    pub fn get(&self, code: &str) -> Option<&Market> {
        self.0.get(&code.trim().to_ascii_uppercase())
    }

    /// How many markets there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (never, for the embedded table).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every market, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Market> {
        self.0.values()
    }
}

/// The embedded table, parsed once. A table that does not parse is a build defect the tests
/// catch, so it is not an answer any request can see.
pub fn markets() -> &'static Markets {
    static TABLE: OnceLock<Markets> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: File = serde_json::from_str(include_str!("../../data/markets.json"))
            .expect("data/markets.json is the generator's valid output");
        Markets(
            file.countries
                .into_iter()
                .map(|mut rules| {
                    let code = rules.iso2_code.to_ascii_uppercase();
                    let registration = rules::registration_required(&code);
                    rules.customer_organization_registration_number_required = registration;
                    rules.customer_organization_registration_number_regex =
                        registration.then(|| rules::REGISTRATION_NUMBER_PATTERN.to_owned());
                    rules.customer_organization_phone_number_required =
                        rules::phone_required(&code);
                    rules.attributes = Some(ResourceAttributes::of("CountryValidationRules"));
                    let postal_code = rules
                        .postal_code_regex
                        .as_deref()
                        .map(|re| Regex::new(re).expect("the generator checks every pattern"));
                    (code, Market { rules, postal_code })
                })
                .collect(),
        )
    })
}

/// `GET /v1/countryvalidationrules/{iso2}`: the country's rules, for any casing of its code.
pub async fn country_rules(
    State(_): State<AppState>,
    _caller: Caller,
    format: Format,
    Segment(code): Segment,
) -> ApiResult<Reply<CountryValidationRules>> {
    let market = markets()
        .get(&code)
        .ok_or_else(|| ApiError::no_country_rules(&code.trim().to_ascii_uppercase()))?;
    Ok(Reply::ok(format, market.rules.clone()))
}

/// The market operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/v1/countryvalidationrules/{country}", "getCountryValidationRules", country_rules)
            .summary("What the country requires of an address: states, postal code pattern, cultures, languages, calling codes, tax and registration ids.")
            .answers(200, Some(Body::CountryValidationRules)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_holds_the_recorded_answers() {
        let table = markets();
        assert!(table.len() > 200, "{}", table.len());
        let us = &table.get("us").unwrap().rules;
        assert_eq!(us.supported_states_list.len(), 51);
        assert!(us.supported_states_list.contains(&"DC".to_owned()));
        assert_eq!(us.postal_code_regex.as_deref(), Some(r"^\d{5}(-\d{4})?$"));
        assert_eq!(us.country_calling_codes_list, ["1"]);
        let pt = &table.get("PT").unwrap().rules;
        assert!(pt.supported_states_list.is_empty());
        assert_eq!(pt.postal_code_regex.as_deref(), Some(r"^\d{4}(-\d{3})?$"));
        assert_eq!(pt.vat_id_regex.as_deref(), Some(r"^PT[\d]{9,9}$"));
        assert!(table.get("UK").is_none());
        let br = &table.get("BR").unwrap().rules;
        assert!(br.customer_organization_registration_number_required);
        assert!(br.customer_organization_phone_number_required);
    }
}
