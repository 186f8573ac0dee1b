//! The partner security reports (requests, principals without multi-factor authentication,
//! MFA adoption per application), self-serve policies and service incidents.

use serde::{Deserialize, Serialize};

use crate::resource::{read_only, ResourceAttributes};

/// One API request of a partner's user (`GET /v1/partnerRequests`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerRequest {
    /// `MS-RequestId`.
    pub request_id: String,
    /// `MS-CorrelationId` (may be empty).
    pub correlation_id: String,
    /// Method and route template (`Get /v{version}/customers`).
    pub operation_name: String,
    /// When (ISO 8601, UTC).
    pub request_date_time: String,
    /// The caller's address.
    pub source_ip_address: String,
    /// The user's object id.
    pub object_id: String,
    /// The partner's tenant id.
    pub tenant_id: String,
    /// The user's principal name.
    pub upn: String,
    /// The app.
    pub application_id: String,
    /// Whether the token carried multi-factor authentication.
    pub mfa_compliant: bool,
}

/// A user who signed in or called the API without multi-factor authentication
/// (`GET /v1/nonMfaCompliantPartnerPrincipals`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct NonMfaCompliantPrincipal {
    /// The user's object id.
    pub object_id: String,
    /// The partner's tenant id.
    pub tenant_id: String,
    /// The user's principal name.
    pub upn: String,
    /// Their latest such request or sign-in (ISO 8601, UTC).
    pub last_non_mfa_compliant_request_date_time: String,
}

/// One day of one application's API requests (`GET /v1/applicationmfaadoptionstatus`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApplicationMfaAdoptionStatus {
    /// The day (`2026-11-27`, UTC).
    pub login_date: String,
    /// Requests with multi-factor authentication.
    pub mfa_compliant_request_count: u64,
    /// All requests.
    pub total_request_count: u64,
    /// The app.
    pub application_id: String,
    /// The app's name (may be empty).
    pub application_name: String,
}

/// The customer a self-serve policy lets buy (`selfServeEntity`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SelfServeEntity {
    /// `customer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_serve_entity_type: Option<String>,
    /// The customer's tenant id.
    #[serde(
        rename = "tenantID",
        alias = "tenantId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tenant_id: Option<String>,
}

/// Who grants a self-serve policy (`grantor`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Grantor {
    /// `billToPartner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantor_type: Option<String>,
    /// The partner's tenant id.
    #[serde(
        rename = "tenantID",
        alias = "tenantId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tenant_id: Option<String>,
}

/// What a self-serve policy allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// `AzureReservedInstances`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `Purchase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}

/// A partner's permission for a customer to buy by itself (`/v1/SelfServePolicy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SelfServePolicy {
    /// `<grantor tenant>_<customer tenant>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_serve_entity: Option<SelfServeEntity>,
    /// The partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grantor: Option<Grantor>,
    /// What it allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Permission>>,
    /// `etag` and `objectType` (`SelfServePolicy`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// One message of a service incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentMessage {
    /// When it was published (ISO 8601).
    pub published_time: String,
    /// Its text.
    pub message_text: String,
}

/// A service incident or message-center post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceIncidentDetail {
    /// Its id (`EX123456`).
    pub id: String,
    /// `incident` or `message_center`.
    pub message_type: String,
    /// When it started (ISO 8601).
    pub start_time: String,
    /// When it ended; absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// `normal`, `information`, `warning` or `critical`.
    pub status: String,
    /// The same scale, as its severity.
    pub severity: String,
    /// Whether it is resolved.
    pub resolved: bool,
    /// The workload (`Exchange`).
    pub workload: String,
    /// Workloads it touches.
    #[serde(default)]
    pub affected_workload_names: Vec<String>,
    /// What is affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impacted_area: Option<String>,
    /// Its category (`preventOrFixIssue`, `planForChange`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// What partners should do (message-center posts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<String>,
    /// By when (message-center posts; ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_by: Option<String>,
    /// Its messages, oldest first.
    #[serde(default)]
    pub messages: Vec<IncidentMessage>,
}

/// The incidents of one workload, as every SDK reads the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceIncidents {
    /// The workload.
    pub workload: String,
    /// The worst status among its open incidents (`normal` when none).
    pub status: String,
    /// Its incidents.
    pub incidents: Vec<ServiceIncidentDetail>,
    /// Its message-center posts.
    pub message_center_messages: Vec<ServiceIncidentDetail>,
}
