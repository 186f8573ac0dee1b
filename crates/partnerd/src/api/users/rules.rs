//! What a customer's user must be: Entra's rules for sign-in names and passwords, and the
//! property lengths Entra accepts.

use crate::http::error::Violation;

/// Shortest password.
pub const PASSWORD_MIN: usize = 8;
/// Longest password.
pub const PASSWORD_MAX: usize = 256;
/// Symbols Entra accepts in a password (with the space).
const SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";

/// Why a password fails Entra's policy: 8 to 256 characters from the letters, digits and
/// symbols it accepts, with three of lower case, upper case, digits and symbols.
pub fn password_problem(password: &str) -> Option<String> {
    let count = password.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&count) {
        return Some(format!(
            "must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
        ));
    }
    if let Some(c) = password
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !SYMBOLS.contains(*c))
    {
        return Some(format!("may not contain the character {c:?}"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| SYMBOLS.contains(c)),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Some(
            "does not meet the complexity requirements: three of lower case, upper case, digits and symbols"
                .to_owned(),
        );
    }
    None
}

/// Why a sign-in name is not one Entra accepts in one of `domains` (lower case), if it is not.
pub fn user_name_problem(upn: &str, domains: &[String]) -> Option<String> {
    let Some((local, domain)) = upn.split_once('@') else {
        return Some("must be name@domain".to_owned());
    };
    if domain.contains('@') {
        return Some("may hold one @ only".to_owned());
    }
    if local.is_empty() || local.len() > 64 {
        return Some("the part before @ must be 1 to 64 characters".to_owned());
    }
    if upn.len() > 113 {
        return Some("may be 113 characters at most".to_owned());
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Some("the part before @ may not start or end with a dot".to_owned());
    }
    if let Some(c) = local
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !"'.-_!#^~".contains(*c))
    {
        return Some(format!("may not contain the character {c:?} before @"));
    }
    let domain = domain.to_ascii_lowercase();
    if !domains.contains(&domain) {
        return Some(format!(
            "the domain {domain} is not one of the customer's ({})",
            domains.join(", ")
        ));
    }
    None
}

/// Checks an optional text property's length; `required` ones must be present and non-blank.
pub fn text(
    violations: &mut Vec<Violation>,
    path: &str,
    value: Option<&str>,
    max: usize,
    required: bool,
) {
    match value.map(str::trim) {
        None | Some("") if required => violations.push((path.to_owned(), "is required".to_owned())),
        Some(v) if v.chars().count() > max => {
            violations.push((path.to_owned(), format!("may be {max} characters at most")))
        }
        _ => {}
    }
}

/// Checks a usage location: two ASCII letters (a country code).
pub fn usage_location(violations: &mut Vec<Violation>, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        if v.len() != 2 || !v.chars().all(|c| c.is_ascii_alphabetic()) {
            violations.push((
                "usageLocation".to_owned(),
                "must be a two-letter country code".to_owned(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_entras_policy() {
        for ok in ["Password!1", "abcDEF12", "abc def 1", "LONG-enough-pass"] {
            assert_eq!(password_problem(ok), None, "{ok}");
        }
        assert!(password_problem("Ab1!").unwrap().contains("8 to 256"));
        assert!(password_problem(&"Aa1".repeat(90))
            .unwrap()
            .contains("8 to 256"));
        // The .NET SDK's own samples use this one: two classes only.
        assert!(password_problem("testPassword")
            .unwrap()
            .contains("three of"));
        assert!(password_problem("pässwordA1")
            .unwrap()
            .contains("character"));
    }

    #[test]
    fn sign_in_names_follow_entras_rules_and_the_customers_domains() {
        let domains = vec![
            "contoso.onmicrosoft.com".to_owned(),
            "contoso.com".to_owned(),
        ];
        assert_eq!(user_name_problem("ada@contoso.com", &domains), None);
        assert_eq!(
            user_name_problem("o'neil.x@Contoso.OnMicrosoft.com", &domains),
            None
        );
        for (bad, why) in [
            ("ada", "name@domain"),
            ("a@b@contoso.com", "one @"),
            ("@contoso.com", "1 to 64"),
            (".ada@contoso.com", "dot"),
            ("ada.@contoso.com", "dot"),
            ("a da@contoso.com", "character"),
            ("ada@fabrikam.com", "not one of the customer's"),
        ] {
            let problem = user_name_problem(bad, &domains).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
        let long = format!("{}@contoso.com", "a".repeat(65));
        assert!(user_name_problem(&long, &domains)
            .unwrap()
            .contains("1 to 64"));
    }
}
