//! Request history (who called the API and signed in, with or without multi-factor
//! authentication, for the MFA reports) and server-wide documents (service incidents).

use serde::{Deserialize, Serialize};

use crate::ids::TenantId;

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// An app+user request to the Partner Center API (refused ones included).
    Api,
    /// A user's sign-in at the token service.
    SignIn,
}

impl RequestKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::SignIn => "signin",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "signin" => Some(Self::SignIn),
            _ => None,
        }
    }
}

/// One request or sign-in of a partner's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// The partner (its tenant).
    pub partner_id: TenantId,
    /// Request or sign-in.
    pub kind: RequestKind,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// `MS-RequestId`.
    pub request_id: String,
    /// `MS-CorrelationId` (may be empty).
    pub correlation_id: String,
    /// Method and route template, as Partner Center names it (`Get /v{version}/customers`).
    pub operation: String,
    /// The caller's address.
    pub source_ip: String,
    /// The user's object id (the token's `oid`).
    pub object_id: String,
    /// The token's `tid`.
    pub tenant_id: String,
    /// The user's principal name.
    pub upn: String,
    /// The app (the token's `appid`).
    pub application_id: String,
    /// Whether the token carried multi-factor authentication.
    pub mfa: bool,
}

/// Requests of one day and one application (`applicationmfaadoptionstatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyAdoption {
    /// Days since the Unix epoch.
    pub day: i64,
    /// The application.
    pub application_id: String,
    /// Requests with multi-factor authentication.
    pub mfa_requests: u64,
    /// All requests.
    pub requests: u64,
}
