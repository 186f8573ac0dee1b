//! Parsing create and update bodies into domain values, collecting every violation.
//!
//! Rules: no control characters in any text, required fields, lengths, ISO country codes, US
//! states and regions, culture normalisation (`EN-us` becomes `en-US`), a domain without
//! surrounding whitespace, and the country rules for phone numbers and organization
//! registration numbers, which have their own error codes.
//!
//! Decoding has already turned an empty optional text into "not given", so a required text
//! given as `""` arrives as `None` and is reported as missing.

use std::fmt::Display;

use partnerd_store::BillingProfile;
use partnerd_wire::{Address, Customer, CustomerBillingProfile, CustomerCompanyProfile};

use super::rules;
use crate::api::markets::markets;
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

/// Whether a text holds a C0 control character (U+0000 to U+001F). In UTF-8 those are exactly
/// the bytes below 0x20, which never occur inside another character's encoding.
fn has_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20)
}

impl Checker {
    fn fail(&mut self, path: impl Display, reason: impl Into<String>) {
        self.violations.push((path.to_string(), reason.into()));
    }

    /// Refuses a text holding a control character; `true` when the text is clean or absent.
    /// Every text of a body passes here, the ones no other rule reads included, so no tab or
    /// NUL reaches the store, a log line or another client through any property.
    fn clean(&mut self, path: impl Display, value: Option<&str>) -> bool {
        if value.is_some_and(has_control) {
            self.fail(
                path,
                "must not contain control characters (U+0000 to U+001F)",
            );
            return false;
        }
        true
    }

    /// A required text of `min..=max` characters, trimmed.
    fn required(
        &mut self,
        path: impl Display,
        value: &Option<String>,
        max: usize,
    ) -> Option<String> {
        if !self.clean(&path, value.as_deref()) {
            return None;
        }
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
        if !self.clean(&path, value.as_deref()) {
            return None;
        }
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

/// Control characters in an address that no other rule reads (the company address, which
/// the billing address replaces on create).
fn clean_address(c: &mut Checker, path: &str, address: &Option<Address>) {
    let Some(a) = address else {
        return;
    };
    let p = |field: &'static str| FieldPath { base: path, field };
    for (field, value) in [
        ("id", &a.id),
        ("country", &a.country),
        ("region", &a.region),
        ("city", &a.city),
        ("state", &a.state),
        ("district", &a.district),
        ("addressLine1", &a.address_line1),
        ("addressLine2", &a.address_line2),
        ("addressLine3", &a.address_line3),
        ("postalCode", &a.postal_code),
        ("firstName", &a.first_name),
        ("middleName", &a.middle_name),
        ("lastName", &a.last_name),
        ("emailAddress", &a.email_address),
        ("phoneNumber", &a.phone_number),
    ] {
        c.clean(p(field), value.as_deref());
    }
}

fn check_address(c: &mut Checker, path: &str, address: &Option<Address>) -> Option<Address> {
    let Some(a) = address else {
        c.fail(path, "is required");
        return None;
    };
    let p = |field: &'static str| FieldPath { base: path, field };
    c.clean(p("id"), a.id.as_deref());
    let country = c
        .required(p("country"), &a.country, 2)
        .map(|s| s.to_ascii_uppercase());
    // The market table decides which countries exist and what their addresses need, as it
    // does for address validation and `countryvalidationrules`, so the three never disagree.
    let market = country.as_deref().and_then(|code| markets().get(code));
    let country = match (country, market) {
        (Some(code), Some(_)) => Some(code),
        (Some(code), None) => {
            c.fail(
                p("country"),
                format!("'{code}' is not the ISO 3166 alpha-2 code of a country Partner Center sells in"),
            );
            None
        }
        (None, _) => None,
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
    if let (Some(country), Some(market)) = (&country, market) {
        if market.rules.is_state_required
            && state.is_none()
            && a.state.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            c.fail(p("state"), format!("is required for {country} addresses"));
        }
        if country == "US" && region.is_some() {
            c.fail(
                p("region"),
                "must not be set on a US address (StateInvalid)",
            );
        }
        if market.rules.is_state_required {
            if let Some(s) = state.as_mut() {
                *s = s.to_ascii_uppercase();
                if !market.admits_state(s) {
                    c.fail(
                        p("state"),
                        format!("'{s}' is not a state of {country} (StateInvalid)"),
                    );
                }
            }
        }
        if let Some(code) = &postal {
            if !market.admits_postal_code(code) {
                c.fail(
                    p("postalCode"),
                    format!("'{code}' is not a postal code of {country}"),
                );
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
    c.clean(p("id"), input.id.as_deref());
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
#[derive(Debug, Clone)]
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

/// Control characters in the texts of a create body that no other rule reads.
fn clean_customer(c: &mut Checker, input: &Customer, company: &CustomerCompanyProfile) {
    c.clean("id", input.id.as_deref());
    c.clean("commerceId", input.commerce_id.as_deref());
    c.clean(
        "associatedPartnerId",
        input.associated_partner_id.as_deref(),
    );
    for (i, domain) in input.custom_domains.iter().flatten().enumerate() {
        c.clean(format_args!("customDomains[{i}]"), Some(domain.as_str()));
    }
    if let Some(credentials) = &input.user_credentials {
        c.clean("userCredentials.userName", credentials.user_name.as_deref());
    }
    c.clean("companyProfile.tenantId", company.tenant_id.as_deref());
    c.clean(
        "companyProfile.companyName",
        company.company_name.as_deref(),
    );
    c.clean("companyProfile.email", company.email.as_deref());
    c.clean(
        "companyProfile.organizationRegistrationNumber",
        company.organization_registration_number.as_deref(),
    );
    clean_address(c, "companyProfile.address", &company.address);
}

/// A create body, validated.
pub fn new_customer(input: &Customer) -> Result<NewCustomerInput, ApiError> {
    let mut c = Checker::default();
    let company = input.company_profile.clone().unwrap_or_default();
    clean_customer(&mut c, input, &company);
    // The domain is an identifier, compared and stored as given: surrounding whitespace is a
    // mistake to report, not something to trim away.
    let domain = match company.domain.as_deref() {
        Some(d) if !has_control(d) && !d.trim().is_empty() && d.trim() != d => {
            c.fail(
                "companyProfile.domain",
                "must not have surrounding whitespace",
            );
            None
        }
        _ => c
            .required("companyProfile.domain", &company.domain, 253)
            .map(|d| d.to_ascii_lowercase()),
    };
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

    use serde_json::{json, Value};

    /// A valid create body with the property at the dotted `path` set to `value`.
    fn with(path: &str, value: Value) -> Value {
        let mut body = json!({
            "companyProfile": {"domain": "contoso.onmicrosoft.com"},
            "billingProfile": {
                "email": "ada@contoso.com", "culture": "en-US", "language": "en",
                "companyName": "Contoso",
                "defaultAddress": {"country": "US", "city": "Redmond", "state": "WA",
                                   "addressLine1": "One Microsoft Way", "postalCode": "98052"}
            }
        });
        let mut at = &mut body;
        for key in path.split('.').filter(|k| !k.is_empty()) {
            at = &mut at[key];
        }
        *at = value;
        body
    }

    fn create(body: Value) -> Result<NewCustomerInput, ApiError> {
        new_customer(&partnerd_wire::decode_value(body).expect("a customer body"))
    }

    /// The `data` lines of the 27002 a body gets, none if it is valid.
    fn violations(body: Value) -> Vec<String> {
        match create(body) {
            Ok(_) => Vec::new(),
            Err(e) => {
                assert_eq!(e.fault.code, 27002, "{:?}", e.fault);
                e.fault.data
            }
        }
    }

    #[test]
    fn control_characters_are_refused_in_every_text() {
        assert!(violations(with("billingProfile.firstName", json!("Zoë \u{7f}"))).is_empty());
        for (path, value, reported) in [
            ("billingProfile.companyName", json!("Con\ttoso"), None),
            ("billingProfile.email", json!("ada\u{1}@contoso.com"), None),
            ("billingProfile.firstName", json!("Ada\u{0}"), None),
            ("billingProfile.id", json!("\n"), None),
            (
                "billingProfile.defaultAddress.city",
                json!("Red\rmond"),
                None,
            ),
            (
                "billingProfile.defaultAddress.addressLine2",
                json!("\u{1f}"),
                None,
            ),
            ("billingProfile.defaultAddress.id", json!("\u{1b}"), None),
            (
                "companyProfile.domain",
                json!("\tcontoso.onmicrosoft.com"),
                None,
            ),
            ("companyProfile.companyName", json!("a\nb"), None),
            ("companyProfile.address.city", json!("a\nb"), None),
            (
                "companyProfile.organizationRegistrationNumber",
                json!("1\n"),
                None,
            ),
            ("userCredentials.userName", json!("ad\tmin"), None),
            ("associatedPartnerId", json!("\u{0}"), None),
            (
                "customDomains",
                json!(["a.example", "b\u{2}.example"]),
                Some("customDomains[1]"),
            ),
        ] {
            let reported = reported.unwrap_or(path);
            assert_eq!(
                violations(with(path, value)),
                vec![format!(
                    "property_name: {reported} - must not contain control characters (U+0000 to U+001F)"
                )],
                "{path}"
            );
        }
    }

    #[test]
    fn a_domain_with_surrounding_whitespace_is_refused_not_trimmed() {
        for domain in [
            " contoso.onmicrosoft.com",
            "contoso.onmicrosoft.com ",
            "\u{a0}contoso.onmicrosoft.com",
        ] {
            assert_eq!(
                violations(with("companyProfile.domain", json!(domain))),
                vec!["property_name: companyProfile.domain - must not have surrounding whitespace"],
                "{domain:?}"
            );
        }
        // Only whitespace is no domain at all.
        assert_eq!(
            violations(with("companyProfile.domain", json!("   "))),
            vec!["property_name: companyProfile.domain - is required"]
        );
        let input = create(with(
            "companyProfile.domain",
            json!("Contoso.OnMicrosoft.com"),
        ))
        .unwrap_or_else(|e| panic!("{:?}", e.fault));
        assert_eq!(input.domain, "contoso.onmicrosoft.com");
    }

    #[test]
    fn empty_text_is_not_given() {
        // Optional: absent. A region on a non-US address, as PowerShell sends it.
        let body = with(
            "billingProfile.defaultAddress",
            json!({"country": "GB", "city": "London", "addressLine1": "1 Way",
                   "postalCode": "SW1A 1AA", "region": "", "addressLine2": "", "firstName": ""}),
        );
        let input = create(body).unwrap_or_else(|e| panic!("{:?}", e.fault));
        let address = input.billing.default_address.expect("an address");
        assert_eq!(
            (address.region, address.address_line2, address.first_name),
            (None, None, None)
        );
        // Required: missing, as before.
        for path in [
            "companyProfile.domain",
            "billingProfile.email",
            "billingProfile.companyName",
            "billingProfile.defaultAddress.city",
        ] {
            assert_eq!(
                violations(with(path, json!(""))),
                vec![format!("property_name: {path} - is required")],
                "{path}"
            );
        }
    }
}
