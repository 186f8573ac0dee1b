//! Parsing create and update bodies into domain values, collecting every violation.
//!
//! Rules: required fields, lengths, ISO country codes, US states and regions, culture
//! normalisation (`EN-us` becomes `en-US`), and the country rules for phone numbers and
//! organization registration numbers, which have their own error codes.

use std::fmt::Display;

use partnerd_store::BillingProfile;
use partnerd_wire::{Address, Customer, CustomerBillingProfile};

use super::rules;
use crate::http::error::{ApiError, Violation};

/// A property path, formatted only if a violation needs it (most bodies are valid).
#[derive(Clone, Copy)]
struct FieldPath<'a> {
    base: &'a str,
    field: &'static str,
}

impl Display for FieldPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.base.is_empty() {
            f.write_str(self.field)
        } else {
            write!(f, "{}.{}", self.base, self.field)
        }
    }
}

/// Collects violations while walking a body.
#[derive(Default)]
struct Checker {
    violations: Vec<Violation>,
}

impl Checker {
    fn fail(&mut self, path: impl Display, reason: impl Into<String>) {
        self.violations.push((path.to_string(), reason.into()));
    }

    /// A required text of `min..=max` characters, trimmed.
    fn required(
        &mut self,
        path: impl Display,
        value: &Option<String>,
        max: usize,
    ) -> Option<String> {
        match value.as_deref().map(str::trim) {
            None | Some("") => {
                self.fail(path, "is required");
                None
            }
            Some(v) => self.length(path, v, 1, max),
        }
    }

    /// An optional text of `min..=max` characters when given.
    fn optional(
        &mut self,
        path: impl Display,
        value: &Option<String>,
        min: usize,
        max: usize,
    ) -> Option<String> {
        value
            .as_deref()
            .map(str::trim)
            .and_then(|v| self.length(path, v, min, max))
    }

    fn length(&mut self, path: impl Display, v: &str, min: usize, max: usize) -> Option<String> {
        let n = v.chars().count();
        if n < min || n > max {
            self.fail(path, format!("must be {min} to {max} characters long"));
            return None;
        }
        Some(v.to_owned())
    }

    fn into_result<T>(self, value: T) -> Result<T, ApiError> {
        if self.violations.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::invalid_properties(self.violations))
        }
    }
}

/// `EN-us` → `en-US`; `None` if it is not a culture name.
pub fn normalise_culture(culture: &str) -> Option<String> {
    let mut parts = culture.split(['-', '_']);
    let lang = parts.next()?;
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = lang.to_ascii_lowercase();
    for part in parts {
        if !(2..=8).contains(&part.len()) || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        match part.len() {
            2 => out.push_str(&part.to_ascii_uppercase()),
            4 => {
                out.push_str(&part[..1].to_ascii_uppercase());
                out.push_str(&part[1..].to_ascii_lowercase());
            }
            _ => out.push_str(part),
        }
    }
    Some(out)
}

fn plausible_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn check_address(c: &mut Checker, path: &str, address: &Option<Address>) -> Option<Address> {
    let Some(a) = address else {
        c.fail(path, "is required");
        return None;
    };
    let p = |field: &'static str| FieldPath { base: path, field };
    let country = c
        .required(p("country"), &a.country, 2)
        .map(|s| s.to_ascii_uppercase());
    let country = match country {
        Some(code) if rules::is_country(&code) => Some(code),
        Some(code) => {
            c.fail(
                p("country"),
                format!("'{code}' is not an ISO 3166 alpha-2 country code"),
            );
            None
        }
        None => None,
    };
    let city = c.required(p("city"), &a.city, 100);
    let line1 = c.required(p("addressLine1"), &a.address_line1, 200);
    let line2 = c.optional(p("addressLine2"), &a.address_line2, 0, 200);
    let line3 = c.optional(p("addressLine3"), &a.address_line3, 0, 200);
    let postal = c.required(p("postalCode"), &a.postal_code, 20);
    let first = c.optional(p("firstName"), &a.first_name, 1, 50);
    let middle = c.optional(p("middleName"), &a.middle_name, 1, 50);
    let last = c.optional(p("lastName"), &a.last_name, 1, 50);
    let phone = c.optional(p("phoneNumber"), &a.phone_number, 1, 30);
    let mut state = c.optional(p("state"), &a.state, 1, 50);
    let region = c.optional(p("region"), &a.region, 1, 50);
    if let Some(country) = &country {
        if rules::state_required(country)
            && state.is_none()
            && a.state.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            c.fail(p("state"), format!("is required for {country} addresses"));
        }
        if country == "US" {
            if region.is_some() {
                c.fail(
                    p("region"),
                    "must not be set on a US address (StateInvalid)",
                );
            }
            if let Some(s) = state.as_mut() {
                *s = s.to_ascii_uppercase();
                if !rules::is_us_state(s) {
                    c.fail(
                        p("state"),
                        format!("'{s}' is not a US state code (StateInvalid)"),
                    );
                }
            }
        }
    }
    Some(Address {
        id: None,
        country,
        region,
        city,
        state,
        district: c.optional(p("district"), &a.district, 1, 100),
        address_line1: line1,
        address_line2: line2.filter(|s| !s.is_empty()),
        address_line3: line3.filter(|s| !s.is_empty()),
        postal_code: postal,
        first_name: first,
        middle_name: middle,
        last_name: last,
        email_address: c.optional(p("emailAddress"), &a.email_address, 3, 254),
        phone_number: phone,
    })
}

fn check_billing(c: &mut Checker, path: &str, input: &CustomerBillingProfile) -> BillingProfile {
    let p = |field: &'static str| FieldPath { base: path, field };
    let email = c.required(p("email"), &input.email, 254);
    if let Some(e) = &email {
        if !plausible_email(e) {
            c.fail(p("email"), "is not an e-mail address");
        }
    }
    let culture = c
        .required(p("culture"), &input.culture, 20)
        .and_then(|raw| {
            let normal = normalise_culture(&raw);
            if normal.is_none() {
                c.fail(
                    p("culture"),
                    format!("'{raw}' is not a culture name such as en-US"),
                );
            }
            normal
        });
    let language = c.required(p("language"), &input.language, 20);
    if let Some(l) = &language {
        if !l.chars().all(|ch| ch.is_ascii_alphabetic() || ch == '-') {
            c.fail(
                p("language"),
                format!("'{l}' is not a language code such as en"),
            );
        }
    }
    BillingProfile {
        id: None,
        first_name: c.optional(p("firstName"), &input.first_name, 1, 50),
        last_name: c.optional(p("lastName"), &input.last_name, 1, 50),
        email,
        culture,
        language,
        company_name: c.required(p("companyName"), &input.company_name, 255),
        default_address: check_address(c, &p("defaultAddress").to_string(), &input.default_address),
        links: None,
        attributes: None,
    }
}

/// The phone rule, with its own error code, checked after the general rules.
fn check_phone(address: Option<&Address>, path: &str) -> Result<(), ApiError> {
    if let Some(a) = address {
        let country = a.country.as_deref().unwrap_or_default();
        if rules::phone_required(country) && a.phone_number.is_none() {
            return Err(ApiError::phone_required(country, path));
        }
    }
    Ok(())
}

/// A billing profile as sent in a PUT, validated and normalised.
pub fn billing_update(input: &CustomerBillingProfile) -> Result<BillingProfile, ApiError> {
    let mut c = Checker::default();
    let profile = check_billing(&mut c, "", input);
    let profile = c.into_result(profile)?;
    check_phone(profile.default_address.as_ref(), "defaultAddress")?;
    Ok(profile)
}

/// A create body, validated: the domain (lower case), the company's registration number and
/// the billing profile.
pub struct NewCustomerInput {
    /// Default domain, lower case.
    pub domain: String,
    /// Organization registration number.
    pub registration_number: Option<String>,
    /// Billing profile.
    pub billing: BillingProfile,
}

fn domain_problem(domain: &str) -> Option<String> {
    let Some(prefix) = domain.strip_suffix(".onmicrosoft.com") else {
        return Some("must end in .onmicrosoft.com".to_owned());
    };
    let ok = (1..=63).contains(&prefix.len())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !prefix.starts_with('-')
        && !prefix.ends_with('-');
    (!ok).then(|| {
        "the name before .onmicrosoft.com must be 1 to 63 letters, digits or inner hyphens"
            .to_owned()
    })
}

/// A create body, validated.
pub fn new_customer(input: &Customer) -> Result<NewCustomerInput, ApiError> {
    let mut c = Checker::default();
    let company = input.company_profile.clone().unwrap_or_default();
    let domain = c
        .required("companyProfile.domain", &company.domain, 253)
        .map(|d| d.to_ascii_lowercase());
    if let Some(problem) = domain.as_deref().and_then(domain_problem) {
        c.fail("companyProfile.domain", problem);
    }
    if input
        .user_credentials
        .as_ref()
        .is_some_and(|u| u.password.is_some())
    {
        c.fail(
            "userCredentials.password",
            "must not be supplied: the admin password is generated",
        );
    }
    let billing = match &input.billing_profile {
        Some(b) => check_billing(&mut c, "billingProfile", b),
        None => {
            c.fail("billingProfile", "is required");
            BillingProfile::default()
        }
    };
    let registration_number = company
        .organization_registration_number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let input = c.into_result(NewCustomerInput {
        domain: domain.unwrap_or_default(),
        registration_number,
        billing,
    })?;
    let country = input
        .billing
        .default_address
        .as_ref()
        .and_then(|a| a.country.clone())
        .unwrap_or_default();
    match (
        &input.registration_number,
        rules::registration_required(&country),
    ) {
        (None, true) => return Err(ApiError::registration_number_required(&country)),
        (Some(_), false) => return Err(ApiError::registration_number_not_supported(&country)),
        (Some(n), true) if !rules::registration_number_valid(n) => {
            return Err(ApiError::registration_number_invalid(
                rules::REGISTRATION_NUMBER_PATTERN,
            ))
        }
        _ => {}
    }
    check_phone(
        input.billing.default_address.as_ref(),
        "billingProfile.defaultAddress",
    )?;
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cultures_are_normalised() {
        assert_eq!(normalise_culture("EN-us").as_deref(), Some("en-US"));
        assert_eq!(
            normalise_culture("zh-hant-tw").as_deref(),
            Some("zh-Hant-TW")
        );
        assert_eq!(normalise_culture("en").as_deref(), Some("en"));
        assert_eq!(normalise_culture("english"), None);
        assert_eq!(normalise_culture("en-"), None);
    }

    #[test]
    fn domains_must_be_onmicrosoft() {
        assert!(domain_problem("contoso.onmicrosoft.com").is_none());
        assert!(domain_problem("contoso.com").is_some());
        assert!(domain_problem(".onmicrosoft.com").is_some());
        assert!(domain_problem("-x.onmicrosoft.com").is_some());
    }
}
