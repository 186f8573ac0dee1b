//! The country facts of create validation that the market table (`crate::api::markets`) does
//! not hold itself: where a phone number and an organization registration number are
//! required, and what a registration number looks like. The table serves them in each
//! country's rules, read from here, so the two cannot disagree. Which countries exist, their
//! states and postal codes are the table's.

/// Countries whose customers need a phone number and an organization registration number.
const REGISTRATION_COUNTRIES: &str =
    "AM AZ BY HU KZ KG MD RU TJ UZ UA IN BR ZA PL AE SA TR TH VN MM IQ SS VE";

fn listed(list: &str, code: &str) -> bool {
    code.len() == 2 && list.split_ascii_whitespace().any(|c| c == code)
}

/// Whether customers in this country must give a phone number.
pub fn phone_required(country: &str) -> bool {
    listed(REGISTRATION_COUNTRIES, country)
}

/// Whether customers in this country must give an organization registration number.
pub fn registration_required(country: &str) -> bool {
    listed(REGISTRATION_COUNTRIES, country)
}

/// The accepted shape of an organization registration number.
pub const REGISTRATION_NUMBER_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9 ./-]{0,49}$";

/// Whether an organization registration number has the accepted shape.
pub fn registration_number_valid(n: &str) -> bool {
    let mut chars = n.chars();
    n.chars().count() <= 50
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || " ./-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_facts() {
        assert!(phone_required("BR") && !phone_required("US"));
        assert!(registration_number_valid("12.345.678/0001-95"));
        assert!(!registration_number_valid("-1") && !registration_number_valid(""));
    }
}
