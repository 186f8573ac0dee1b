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
    /// The details some newer errors add (`PartnerConfirmedAgreementAlreadyExists`, ...).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<FaultDetails>>,
}

/// The keys some newer Partner Center errors carry besides the classic four.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FaultDetails {
    /// The description again.
    pub message: String,
    /// The error's name (`PartnerConfirmedAgreementAlreadyExists`).
    pub error_name: String,
    /// Whether retrying the same request may succeed.
    pub is_retryable: bool,
    /// Parameters of the message (none).
    #[serde(default)]
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// `InternalErrorCode=<code>`.
    pub error_message_extended: String,
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
            details: None,
        }
    }

    /// The fault with the details the newer operations add: `message` (the description
    /// again), `errorName`, `isRetryable`, empty `parameters` and `errorMessageExtended`
    /// (`InternalErrorCode=<code>`).
    pub fn with_details(mut self, error_name: &str, retryable: bool) -> Self {
        self.details = Some(Box::new(FaultDetails {
            message: self.description.clone(),
            error_name: error_name.to_owned(),
            is_retryable: retryable,
            parameters: serde_json::Map::new(),
            error_message_extended: format!("InternalErrorCode={}", self.code),
        }));
        self
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
