//! Microsoft Customer Agreement attestation: a partner confirms that a customer accepted an
//! agreement (`Agreement`), reads the template catalogue (`AgreementMetaData`), the links to a
//! template's document (`AgreementDocument`) and whether the customer signed directly
//! (`DirectSignStatus`).

use serde::{Deserialize, Serialize};

use crate::resource::{read_only, ResourceAttributes};

/// The customer's contact who accepted an agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// First name (required on a confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name (required on a confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email address (required on a confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// A partner's confirmation that a customer accepted an agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    /// The partner user who confirmed it: the `oid` of the app+user token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The customer's contact who accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_contact: Option<Contact>,
    /// The agreement template (from `GET /v1/agreements`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// When the customer accepted (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_agreed: Option<String>,
    /// `MicrosoftCustomerAgreement` or `MicrosoftCloudAgreement`: the template's type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub agreement_type: Option<String>,
    /// Where the agreement's text is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_link: Option<String>,
    /// Attributes (`Agreement`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// One agreement template of the catalogue (`GET /v1/agreements`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgreementMetaData {
    /// The template id to confirm with.
    pub template_id: String,
    /// `MicrosoftCustomerAgreement` or `MicrosoftCloudAgreement`.
    pub agreement_type: String,
    /// Where the agreement's text is.
    pub agreement_link: String,
    /// The template's rank among versions of its type (0: current).
    pub version_rank: i64,
    /// Attributes (`AgreementMetaData`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// Links to a template's document in one country and language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgreementDocument {
    /// A page showing the document.
    pub display_uri: String,
    /// The document to download; a new link each call, valid five minutes.
    pub download_uri: String,
    /// The document's language (`en-US`).
    pub language: String,
    /// The country it applies in (`US`).
    pub country: String,
    /// Attributes (`AgreementDocument`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// Whether the customer accepted the Microsoft Customer Agreement itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DirectSignStatus {
    /// True once the customer signed directly.
    pub is_signed: bool,
}
