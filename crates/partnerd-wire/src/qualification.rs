//! A customer's qualifications (Education, GovernmentCommunityCloud, StateOwnedEntity) and the
//! partner's GCC validation codes that a GovernmentCommunityCloud qualification uses.
//!
//! The current operations write the qualification and its vetting status in PascalCase
//! (`"Education"`, `"InReview"`); the older synchronous pair writes one lower snake string
//! (`"education"`). Input takes any spelling ([`crate::enums`]).

use serde::{Deserialize, Serialize};

use crate::enums::{EducationSegment, Qualification};

/// One qualification of a customer, as `GET`/`POST /v1/customers/{id}/qualifications` write it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerQualification {
    /// The qualification, PascalCase (`Education`).
    pub qualification: String,
    /// `InReview`, `Approved` or `Denied`; absent for a StateOwnedEntity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting_status: Option<String>,
    /// Why it was denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting_reason: Option<String>,
    /// When the review was asked for (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting_create_date: Option<String>,
}

/// The body of `POST /v1/customers/{id}/qualifications`, as the .NET SDK sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CustomerQualificationRequest {
    /// The qualification asked for.
    pub qualification: Qualification,
    /// Required for Education.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education_segment: Option<EducationSegment>,
    /// The GCC validation code (or `?code=`), required for GovernmentCommunityCloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_code: Option<String>,
    /// The organisation's website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// One of the partner's GCC validation codes (`GET /v1/customers/all/validations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationCode {
    /// The partner's tenant id.
    pub partner_id: String,
    /// The organisation the code was issued to.
    pub organization_name: String,
    /// The code.
    pub validation_id: String,
    /// How many customers it may qualify in all.
    pub max_creates: u32,
    /// How many it may still qualify.
    pub remaining_creates: u32,
    /// Changes whenever `remainingCreates` does (`W/"datetime'…'"`).
    #[serde(rename = "eTag", alias = "etag")]
    pub etag: String,
}

/// The GCC validation code a customer was qualified with (`GET /v1/customers/{id}/validations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct GccValidationRelationship {
    /// The partner that used the code.
    pub partner_id: String,
    /// The customer.
    pub customer_id: String,
    /// The code.
    pub validation_id: String,
    /// The organisation the code was issued to.
    pub organization_name: String,
    /// The link's version.
    #[serde(rename = "eTag", alias = "etag")]
    pub etag: String,
}
