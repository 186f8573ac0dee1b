//! `POST /v1/validations/address`: a pure function of the address and the market table (the
//! same table customer create and billing-profile update check addresses against), unless a
//! control-plane fixture was arranged for the address. It writes nothing.
//!
//! The rules, first match wins: a country without a market is `NotValidated`; a missing first
//! address line, city or postal code (create requires all three everywhere), a missing state
//! where the country requires one, a postal code off the country's pattern or a state off its
//! list is `None`, with a message naming the properties; a first address line
//! without a number is `StreetPartial`, suggesting the line with a building number; anything
//! else is `VerifiedShippable`, suggesting the address as normalised (trimmed, state and
//! country upper case: partnerd invents no ZIP+4). With `--address-validation legacy` the
//! pre-2021 contract answers instead: 200 with no body when valid, else 400/2007.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use partnerd_wire::{Address, AddressValidationResponse, AddressValidationStatus};

use crate::api::markets::markets;
use crate::config::AddressValidation;
use crate::http::body::WireBody;
use crate::http::error::{ApiError, ApiResult};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

fn text(v: &Option<String>) -> &str {
    v.as_deref().map(str::trim).unwrap_or_default()
}

/// The address with its text trimmed, and state and country in upper case.
fn normalised(address: &Address) -> Address {
    let trim = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let upper = |v: &Option<String>| trim(v).map(|t| t.to_uppercase());
    Address {
        country: upper(&address.country),
        state: upper(&address.state),
        region: trim(&address.region),
        city: trim(&address.city),
        district: trim(&address.district),
        address_line1: trim(&address.address_line1),
        address_line2: trim(&address.address_line2),
        address_line3: trim(&address.address_line3),
        postal_code: trim(&address.postal_code),
        ..address.clone()
    }
}

/// What the market table says of `address`.
pub fn validate(address: &Address) -> AddressValidationResponse {
    let answer = |status, suggested_addresses, validation_message| AddressValidationResponse {
        original_address: address.clone(),
        suggested_addresses,
        status,
        validation_message,
    };
    let Some(market) = markets().get(text(&address.country)) else {
        return answer(AddressValidationStatus::NotValidated, Vec::new(), None);
    };
    let rules = &market.rules;
    let mut wrong = Vec::new();
    if text(&address.address_line1).is_empty() {
        wrong.push("addressLine1 is required");
    }
    // Customer create requires a city and a postal code in every country (the contract), so
    // validation does too, whatever the country's own rules say: an address validation calls
    // valid is one create accepts.
    if text(&address.city).is_empty() {
        wrong.push("city is required");
    }
    let postal_code = text(&address.postal_code);
    if postal_code.is_empty() {
        wrong.push("postalCode is required");
    } else if !market.admits_postal_code(postal_code) {
        wrong.push("postalCode is not a postal code of the country");
    }
    let state = text(&address.state);
    if state.is_empty() {
        if rules.is_state_required {
            wrong.push("state is required");
        }
    } else if rules.is_state_required && !market.admits_state(state) {
        wrong.push("state is not a state of the country");
    }
    if !wrong.is_empty() {
        let message = format!("The address is not valid: {}.", wrong.join("; "));
        return answer(AddressValidationStatus::None, Vec::new(), Some(message));
    }
    let suggestion = normalised(address);
    let line1 = text(&address.address_line1);
    if !line1.chars().any(|c| c.is_ascii_digit()) {
        let numbered = Address {
            address_line1: Some(format!("1 {line1}")),
            ..suggestion
        };
        return answer(
            AddressValidationStatus::StreetPartial,
            vec![numbered],
            Some("The street could not be verified: addressLine1 has no building number.".into()),
        );
    }
    answer(
        AddressValidationStatus::VerifiedShippable,
        vec![suggestion],
        None,
    )
}

/// The pre-2021 refusal's description: the JSON text PowerShell 3.0.11 parses, with the
/// corrected address in snake case.
fn legacy_refusal(checked: &AddressValidationResponse) -> ApiError {
    // The description is cut at 1,024 characters like every fault's: each field is kept short
    // enough that the JSON text stays whole and PowerShell can parse it.
    let short = |v: Option<String>| v.map(|t| t.chars().take(80).collect::<String>());
    let a = normalised(&checked.original_address);
    let a = Address {
        address_line1: short(a.address_line1),
        address_line2: short(a.address_line2),
        address_line3: short(a.address_line3),
        city: short(a.city),
        state: short(a.state),
        postal_code: short(a.postal_code),
        country: short(a.country),
        ..a
    };
    let description = serde_json::json!({
        "code": "60071",
        "description": format!(
            "ZipCityInvalid: {}",
            checked.validation_message.as_deref().unwrap_or("The address is not valid.")
        ),
        "corrected_address": {
            "address_line1": a.address_line1,
            "address_line2": a.address_line2,
            "address_line3": a.address_line3,
            "city": a.city,
            "state": a.state,
            "postal_code": a.postal_code,
            "country": a.country,
        },
    });
    ApiError::legacy_address_invalid(description.to_string())
}

/// `POST /v1/validations/address` (app-only or app+user).
pub async fn validate_address(
    State(state): State<AppState>,
    _caller: Caller,
    format: Format,
    WireBody(address): WireBody<Address>,
) -> ApiResult<Response> {
    let checked = match state.ops.address_fixtures.find(&address) {
        Some(fixture) => AddressValidationResponse {
            original_address: address,
            suggested_addresses: fixture.suggested_addresses,
            status: fixture.status,
            validation_message: fixture.validation_message,
        },
        None => validate(&address),
    };
    match state.settings.address_validation {
        AddressValidation::Current => Ok(Reply::ok(format, checked).into_response()),
        AddressValidation::Legacy => match checked.status {
            AddressValidationStatus::None => Err(legacy_refusal(&checked)),
            _ => Ok(StatusCode::OK.into_response()),
        },
    }
}

/// The validation operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/v1/validations/address", "validateAddress", validate_address)
            .summary("Checks an address against the country's rules; writes nothing (an MS-RequestId is never a conflict here).")
            .takes(Body::Address)
            .answers(200, Some(Body::AddressValidation)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(line1: &str, state: &str, zip: &str) -> Address {
        Address {
            country: Some("us".into()),
            city: Some(" Redmond ".into()),
            state: Some(state.into()),
            address_line1: Some(line1.into()),
            postal_code: Some(zip.into()),
            ..Default::default()
        }
    }

    #[test]
    fn the_rules_in_their_order() {
        let ok = validate(&us("1 Microsoft Way", "wa", "98052"));
        assert_eq!(ok.status, AddressValidationStatus::VerifiedShippable);
        let s = &ok.suggested_addresses[0];
        assert_eq!(
            (s.country.as_deref(), s.state.as_deref(), s.city.as_deref()),
            (Some("US"), Some("WA"), Some("Redmond"))
        );
        let street = validate(&us("Microsoft Way", "WA", "98052-6399"));
        assert_eq!(street.status, AddressValidationStatus::StreetPartial);
        assert_eq!(
            street.suggested_addresses[0].address_line1.as_deref(),
            Some("1 Microsoft Way")
        );
        let wrong = validate(&us("1 Microsoft Way", "XX", "9805"));
        assert_eq!(wrong.status, AddressValidationStatus::None);
        let message = wrong.validation_message.unwrap();
        assert!(
            message.contains("postalCode") && message.contains("state"),
            "{message}"
        );
        assert!(wrong.suggested_addresses.is_empty());
        let nowhere = validate(&Address {
            country: Some("UK".into()),
            ..us("1 A St", "", "")
        });
        assert_eq!(nowhere.status, AddressValidationStatus::NotValidated);
    }
}
