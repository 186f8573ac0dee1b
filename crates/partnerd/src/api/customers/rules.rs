//! Country facts the validation rules need: ISO 3166 codes, where a state is required,
//! where a phone number and an organization registration number are required.

/// ISO 3166-1 alpha-2 country codes.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Countries whose customers need a phone number and an organization registration number.
const REGISTRATION_COUNTRIES: &str =
    "AM AZ BY HU KZ KG MD RU TJ UZ UA IN BR ZA PL AE SA TR TH VN MM IQ SS VE";

/// Countries where an address needs a state.
const STATE_COUNTRIES: &str = "US CA CN MX";

/// US states, the District of Columbia, territories and military post codes.
const US_STATES: &str =
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM \
NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP";

fn listed(list: &str, code: &str) -> bool {
    code.len() == 2 && list.split_ascii_whitespace().any(|c| c == code)
}

/// Whether `code` (upper case) is an ISO 3166-1 alpha-2 code.
pub fn is_country(code: &str) -> bool {
    listed(COUNTRIES, code)
}

/// Whether customers in this country must give a phone number.
pub fn phone_required(country: &str) -> bool {
    listed(REGISTRATION_COUNTRIES, country)
}

/// Whether customers in this country must give an organization registration number.
pub fn registration_required(country: &str) -> bool {
    listed(REGISTRATION_COUNTRIES, country)
}

/// Whether addresses in this country need a state.
pub fn state_required(country: &str) -> bool {
    listed(STATE_COUNTRIES, country)
}

/// Whether `state` (upper case) is a US state code.
pub fn is_us_state(state: &str) -> bool {
    listed(US_STATES, state)
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
        assert!(is_country("US") && is_country("GB") && !is_country("UK") && !is_country("USA"));
        assert!(phone_required("BR") && !phone_required("US"));
        assert!(state_required("US") && !state_required("DE"));
        assert!(is_us_state("WA") && !is_us_state("XX"));
        assert!(registration_number_valid("12.345.678/0001-95"));
        assert!(!registration_number_valid("-1") && !registration_number_valid(""));
    }
}
