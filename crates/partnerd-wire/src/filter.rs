//! The `filter` query parameter of customer searches and partner-relationship queries.
//!
//! On the wire it is URL-encoded JSON such as
//! `{"Field":"CompanyName","Value":"cont","Operator":"starts_with"}`. Keys are matched in any
//! casing and extra keys (the Java SDK's `fieldType`) are ignored. Both filters are read here,
//! so the two routes agree on what a filter object is.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::decode::normalise;

/// The customer property a filter tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerSearchField {
    /// Company name, by case-insensitive prefix.
    CompanyName,
    /// Default domain, by case-insensitive prefix.
    Domain,
    /// Customers of the indirect reseller with this tenant id.
    IndirectReseller,
    /// Customers of the indirect provider with this tenant id.
    IndirectCloudSolutionProvider,
}

impl CustomerSearchField {
    const ALL: [Self; 4] = [
        Self::CompanyName,
        Self::Domain,
        Self::IndirectReseller,
        Self::IndirectCloudSolutionProvider,
    ];

    /// The spelling the .NET SDK sends.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompanyName => "CompanyName",
            Self::Domain => "Domain",
            Self::IndirectReseller => "IndirectReseller",
            Self::IndirectCloudSolutionProvider => "IndirectCloudSolutionProvider",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        let folded: String = s.chars().filter(|c| *c != '_').collect();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(&folded))
    }
}

/// A parsed customer filter. Only the `starts_with` operator exists for customers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CustomerFilter {
    /// The property tested.
    pub field: CustomerSearchField,
    /// The prefix or tenant id looked for.
    pub value: String,
}

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

impl CustomerFilter {
    /// Parses the decoded value of the `filter` query parameter.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let err = |m: String| FilterError(format!("Invalid filter: {m}."));
        let map = object(text).map_err(|e| {
            err(match e {
                Some(e) => format!("it is not a JSON object ({e})"),
                None => "it is not a JSON object".to_owned(),
            })
        })?;
        let text_of = |key: &str| -> Result<String, FilterError> {
            match map.get(key) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                Some(_) => Err(err(format!("'{key}' must be a string"))),
                None => Err(err(format!("'{key}' is missing"))),
            }
        };
        let field_name = text_of("field")?;
        let field = CustomerSearchField::parse(&field_name).ok_or_else(|| {
            err(format!(
                "field '{field_name}' is not supported; use CompanyName, Domain, IndirectReseller or IndirectCloudSolutionProvider"
            ))
        })?;
        let operator = text_of("operator")?;
        let folded: String = operator.chars().filter(|c| *c != '_').collect();
        if !folded.eq_ignore_ascii_case("startswith") {
            return Err(err(format!(
                "operator '{operator}' is not supported; use starts_with"
            )));
        }
        let value = text_of("value")?;
        if value.is_empty() {
            return Err(err("'value' is empty".to_owned()));
        }
        Ok(Self { field, value })
    }

    /// The canonical JSON form, as the .NET SDK writes it.
    pub fn to_json(&self) -> String {
        serde_json::json!({"Field": self.field.as_str(), "Value": self.value, "Operator": "starts_with"})
            .to_string()
    }
}

/// The filter object's keys (lower-cased by [`normalise`]), or why it is not an object: the
/// JSON error, or none when it is JSON of another kind.
fn object(text: &str) -> Result<Map<String, Value>, Option<serde_json::Error>> {
    match serde_json::from_str(text).map(normalise) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(None),
        Err(e) => Err(Some(e)),
    }
}

/// A parsed filter of a customer's users: deleted users
/// (`{"Field":"UserState","Value":"Inactive","Operator":"equals"}`, as the .NET SDK and
/// PowerShell send it), or a display name or sign-in name by case-insensitive prefix
/// (`starts_with`) or whole (`equals`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserFilter {
    /// Users in this state (`Active` or `Inactive`).
    State(crate::enums::UserState),
    /// Display names starting with (or equal to, when `exact`) the value, ignoring case.
    DisplayName {
        /// The text, lower-cased.
        value: String,
        /// `equals` rather than `starts_with`.
        exact: bool,
    },
    /// Sign-in names starting with (or equal to) the value, ignoring case.
    UserPrincipalName {
        /// The text, lower-cased.
        value: String,
        /// `equals` rather than `starts_with`.
        exact: bool,
    },
}

impl UserFilter {
    /// Parses the decoded value of the `filter` query parameter.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let err = |m: String| FilterError(format!("Invalid filter: {m}."));
        let map = object(text).map_err(|_| err("it is not a JSON object".to_owned()))?;
        let text_of = |key: &str| match map.get(key) {
            Some(Value::String(s)) => Ok(s.trim().to_owned()),
            Some(_) => Err(err(format!("'{key}' must be a string"))),
            None => Err(err(format!("'{key}' is missing"))),
        };
        let field = text_of("field")?;
        let operator: String = text_of("operator")?
            .chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        let value = text_of("value")?;
        let exact = match operator.as_str() {
            "equals" => true,
            "startswith" => false,
            _ => {
                return Err(err(format!(
                    "operator '{operator}' is not supported; use equals or starts_with"
                )))
            }
        };
        let folded: String = field.chars().filter(|c| *c != '_').collect();
        if folded.eq_ignore_ascii_case("userstate") {
            if !exact {
                return Err(err("UserState takes the operator equals".to_owned()));
            }
            return crate::enums::UserState::parse(&value)
                .map(Self::State)
                .ok_or_else(|| {
                    err(format!(
                        "UserState '{value}' is neither Active nor Inactive"
                    ))
                });
        }
        if value.is_empty() {
            return Err(err("'value' is empty".to_owned()));
        }
        let value = value.to_lowercase();
        if folded.eq_ignore_ascii_case("displayname") {
            Ok(Self::DisplayName { value, exact })
        } else if folded.eq_ignore_ascii_case("userprincipalname") {
            Ok(Self::UserPrincipalName { value, exact })
        } else {
            Err(err(format!(
                "field '{field}' is not supported; use UserState, DisplayName or UserPrincipalName"
            )))
        }
    }

    /// The JSON form, with the .NET SDK's keys.
    pub fn to_json(&self) -> String {
        let (field, value, operator) = match self {
            Self::State(s) => ("UserState", s.pascal(), "equals"),
            Self::DisplayName { value, exact } => (
                "DisplayName",
                value.clone(),
                if *exact { "equals" } else { "starts_with" },
            ),
            Self::UserPrincipalName { value, exact } => (
                "UserPrincipalName",
                value.clone(),
                if *exact { "equals" } else { "starts_with" },
            ),
        };
        serde_json::json!({"Field": field, "Value": value, "Operator": operator}).to_string()
    }

    /// Whether a user with this display name, sign-in name and state passes the filter.
    /// Without a `UserState` filter only active users do.
    pub fn admits(
        filter: Option<&Self>,
        display_name: &str,
        upn: &str,
        state: crate::enums::UserState,
    ) -> bool {
        let text = |have: &str, want: &str, exact: bool| {
            let have = have.to_lowercase();
            if exact {
                have == want
            } else {
                have.starts_with(want)
            }
        };
        match filter {
            Some(Self::State(s)) => state == *s,
            Some(Self::DisplayName { value, exact }) => {
                state == crate::enums::UserState::Active && text(display_name, value, *exact)
            }
            Some(Self::UserPrincipalName { value, exact }) => {
                state == crate::enums::UserState::Active && text(upn, value, *exact)
            }
            None => state == crate::enums::UserState::Active,
        }
    }
}

/// A parsed partner-relationship filter on the partner's name, as the .NET SDK's
/// relationship query sends it (`{"Field":"Name","Value":…,"Operator":"starts_with"}`, or
/// `"substring"`). Names compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipFilter {
    /// The text looked for, lower-cased (empty when no value was given: every name matches).
    pub value: String,
    /// Whether the name must start with the value (`starts_with`) or only contain it
    /// (`substring`).
    pub prefix: bool,
}

impl RelationshipFilter {
    /// Parses the decoded value of the `filter` query parameter.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let map = object(text)
            .map_err(|_| FilterError("Invalid filter: it is not a JSON object.".to_owned()))?;
        let text_of = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or_default();
        let operator: String = text_of("operator").chars().filter(|c| *c != '_').collect();
        let prefix = if operator.eq_ignore_ascii_case("startswith") {
            true
        } else if operator.eq_ignore_ascii_case("substring") {
            false
        } else {
            return Err(FilterError(
                "Invalid filter: relationships can be filtered only by Name with starts_with or substring."
                    .to_owned(),
            ));
        };
        if !text_of("field").eq_ignore_ascii_case("name") {
            return Err(FilterError(
                "Invalid filter: relationships can be filtered only by Name with starts_with or substring."
                    .to_owned(),
            ));
        }
        Ok(Self {
            value: text_of("value").to_lowercase(),
            prefix,
        })
    }

    /// Whether a partner's name passes the filter.
    pub fn admits(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        if self.prefix {
            name.starts_with(&self.value)
        } else {
            name.contains(&self.value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_filters_read_as_the_sdk_and_powershell_send_them() {
        let inactive =
            UserFilter::parse(r#"{"Field":"UserState","Value":"Inactive","Operator":"equals"}"#)
                .unwrap();
        assert_eq!(inactive, UserFilter::State(crate::UserState::Inactive));
        assert_eq!(UserFilter::parse(&inactive.to_json()).unwrap(), inactive);
        let name =
            UserFilter::parse(r#"{"field":"display_name","value":"Bob","operator":"StartsWith"}"#)
                .unwrap();
        assert!(UserFilter::admits(
            Some(&name),
            "bobby",
            "x@y",
            crate::UserState::Active
        ));
        assert!(!UserFilter::admits(
            Some(&name),
            "bobby",
            "x@y",
            crate::UserState::Inactive
        ));
        assert!(!UserFilter::admits(
            None,
            "a",
            "b",
            crate::UserState::Inactive
        ));
        for bad in [
            r#"{"Field":"UserState","Value":"Gone","Operator":"equals"}"#,
            r#"{"Field":"UserState","Value":"Inactive","Operator":"starts_with"}"#,
            r#"{"Field":"Email","Value":"a","Operator":"equals"}"#,
            r#"{"Field":"DisplayName","Value":"","Operator":"equals"}"#,
            r#"{"Field":"DisplayName","Value":"a","Operator":"substring"}"#,
            "[]",
        ] {
            assert!(UserFilter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn net_and_java_spellings_parse_alike() {
        let net = CustomerFilter::parse(
            r#"{"Field":"CompanyName","Value":"con","Operator":"starts_with"}"#,
        )
        .unwrap();
        let java = CustomerFilter::parse(
            r#"{"field":"CompanyName","value":"con","operator":"StartsWith","fieldType":"x"}"#,
        )
        .unwrap();
        assert_eq!(net, java);
        assert_eq!(CustomerFilter::parse(&net.to_json()).unwrap(), net);
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        for bad in [
            "nope",
            "[]",
            r#"{"Field":"Email","Value":"a","Operator":"starts_with"}"#,
            r#"{"Field":"Domain","Value":"a","Operator":"equals"}"#,
            r#"{"Field":"Domain","Operator":"starts_with"}"#,
        ] {
            assert!(CustomerFilter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relationship_filters_select_by_name_prefix() {
        let f =
            RelationshipFilter::parse(r#"{"Field":"Name","Value":"Fab","Operator":"starts_with"}"#)
                .unwrap();
        assert!(f.admits("Fabrikam") && !f.admits("Contoso"));
        let any = RelationshipFilter::parse(r#"{"field":"name","operator":"StartsWith"}"#).unwrap();
        assert!(any.admits("Contoso"));
        let inner =
            RelationshipFilter::parse(r#"{"Field":"Name","Value":"RIK","Operator":"substring"}"#)
                .unwrap();
        assert!(inner.admits("Fabrikam") && !inner.admits("Contoso"));
        for bad in [
            "nope",
            "[]",
            r#"{"Field":"Domain","Value":"a","Operator":"starts_with"}"#,
            r#"{"Field":"Name","Value":"a","Operator":"equals"}"#,
        ] {
            assert!(RelationshipFilter::parse(bad).is_err(), "{bad}");
        }
    }
}
