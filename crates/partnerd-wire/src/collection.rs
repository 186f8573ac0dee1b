//! Collections of resources, with seek paging.

use serde::{Deserialize, Serialize};

use crate::resource::{ResourceAttributes, ResourceLinks};

/// A page of resources. `totalCount` is the number of items on this page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResourceCollection<T> {
    /// Items on this page.
    pub total_count: i64,
    /// The items.
    pub items: Vec<T>,
    /// Opaque token that continues a seek scan; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// `self` and, when more follows, `next`.
    #[serde(default)]
    pub links: ResourceLinks,
    /// `{"objectType": "Collection"}`.
    #[serde(default)]
    pub attributes: ResourceAttributes,
}

impl<T> ResourceCollection<T> {
    /// A collection of `items` with the given links and no continuation.
    pub fn new(items: Vec<T>, links: ResourceLinks) -> Self {
        Self {
            total_count: items.len() as i64,
            items,
            continuation_token: None,
            links,
            attributes: ResourceAttributes::of("Collection"),
        }
    }
}
