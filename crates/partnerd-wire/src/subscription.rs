//! What a customer bought: subscriptions and entitlements. partnerd sells nothing, so its
//! lists of them are empty; the types carry the properties clients read, for the SDK and the
//! OpenAPI document.

use serde::{Deserialize, Serialize};

use crate::resource::{read_only, ResourceAttributes, ResourceLinks};

/// A customer's subscription to an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription id.
    pub id: String,
    /// The offer subscribed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// The offer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_name: Option<String>,
    /// The customer's name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Licences or units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// `active`, `suspended`, `deleted`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Whether it renews by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew_enabled: Option<bool>,
    /// `monthly`, `annual`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_cycle: Option<String>,
    /// When it was created (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// When its commitment ends (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_end_date: Option<String>,
    /// Links (read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub links: Option<ResourceLinks>,
    /// Attributes (`Subscription`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}

/// What a customer is entitled to by its orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    /// The product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The product's SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    /// How many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// `software`, `reservedInstance`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement_type: Option<String>,
    /// `fulfilled`, `fulfillmentPending`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_state: Option<String>,
    /// When it expires (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    /// Attributes (`Entitlement`, read-only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "read_only"
    )]
    pub attributes: Option<ResourceAttributes>,
}
