//! The error body every failed Partner Center call carries.

use serde::{Deserialize, Deserializer, Serialize};

/// `{"code", "description", "data", "source"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiFault {
    /// Numeric error code (written as a JSON number; a string is accepted on input).
    #[serde(deserialize_with = "code_number")]
    pub code: i64,
    /// Human-readable description, never empty, at most 1024 characters.
    pub description: String,
    /// Extra details, such as `property_name: <path> - <reason>`.
    #[serde(default)]
    pub data: Vec<String>,
    /// The component that answered (`PartnerFD`).
    #[serde(default)]
    pub source: String,
}

/// The longest description a fault carries.
pub const MAX_DESCRIPTION: usize = 1024;

impl ApiFault {
    /// A fault from partnerd's front door, its description cut to [`MAX_DESCRIPTION`].
    pub fn new(code: i64, description: impl Into<String>, data: Vec<String>) -> Self {
        let mut description = description.into();
        if description.is_empty() {
            description = "The request failed.".to_owned();
        }
        if description.len() > MAX_DESCRIPTION {
            let mut cut = MAX_DESCRIPTION;
            while !description.is_char_boundary(cut) {
                cut -= 1;
            }
            description.truncate(cut);
        }
        Self {
            code,
            description,
            data,
            source: "PartnerFD".to_owned(),
        }
    }
}

fn code_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Number(n) => Ok(n),
        Raw::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}
