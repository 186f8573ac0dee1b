//! A customer's services a partner manages through delegated admin rights
//! (`GET /v1/customers/{id}/managedservices`).

use serde::{Deserialize, Serialize};

use crate::resource::{read_only, Link, ResourceAttributes};

/// The portal links of a managed service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ManagedServiceLinks {
    /// The service's admin portal, in the customer's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_service: Option<Link>,
    /// The service's health, in the customer's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_health: Option<Link>,
    /// The service's support tickets, in the customer's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_ticket: Option<Link>,
}

/// One service of the customer the partner administers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ManagedService {
    /// The service's id (`Exchange`).
    pub id: String,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its group (`Office`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Portal links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ManagedServiceLinks>,
    /// Attributes (`ManagedService`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}
