//! Partner-to-partner relationships (indirect providers and resellers).

use serde::{Deserialize, Serialize};

use crate::enums::PartnerRelationshipType;
use crate::resource::{read_only, ResourceAttributes};

/// Another partner and how it relates to the caller or to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerRelationship {
    /// The other partner's tenant id.
    pub id: String,
    /// The other partner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind of relationship.
    pub relationship_type: PartnerRelationshipType,
    /// `Active`, as Microsoft writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The other partner's location, where known (the real service sends it; partnerd keeps
    /// no partner address, so its answers leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The other partner's MPN id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mpn_id: Option<String>,
    /// Attributes (`PartnerRelationship`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// The link a partner sends a customer to become its reseller
/// (`GET /v1/customers/relationshiprequests`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelationshipRequest {
    /// Where the customer's admin accepts the invitation.
    pub url: String,
    /// Attributes (`RelationshipRequest`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}
