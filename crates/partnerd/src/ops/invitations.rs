//! Reseller invitations: every relationship request link a partner asked for, so that a test
//! can play the customer's admin accepting it (`POST /_partnerd/invitations/{id}/accept`), the
//! step that happens in Microsoft's admin portal. Kept in memory by each node, like fault
//! rules and address fixtures.

use std::sync::{PoisonError, RwLock};

use serde::Serialize;

/// One invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// partnerd's id for it.
    pub id: String,
    /// The inviting partner's tenant id.
    pub partner_id: String,
    /// The link it answered with.
    pub url: String,
    /// `indirectResellerId`, when the indirect provider invited for a reseller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirect_reseller_id: Option<String>,
    /// `indirectCloudSolutionProviderId`, when a reseller invited with its provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirect_cloud_solution_provider_id: Option<String>,
    /// `dualRoleIndirectRelationship`.
    pub dual_role_indirect_relationship: bool,
    /// When it was asked for (Unix seconds).
    pub created_at: i64,
}

/// Most invitations kept; the oldest go first.
const CAPACITY: usize = 10_000;

/// The invitations of this node.
#[derive(Debug, Default)]
pub struct Invitations(RwLock<Vec<Invitation>>);

impl Invitations {
    /// Records an invitation.
    pub fn record(&self, invitation: Invitation) {
        let mut all = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if all.len() >= CAPACITY {
            all.remove(0);
        }
        all.push(invitation);
    }

    /// Every invitation, oldest first.
    pub fn list(&self) -> Vec<Invitation> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The invitation with this id.
    pub fn find(&self, id: &str) -> Option<Invitation> {
        let all = self.0.read().unwrap_or_else(PoisonError::into_inner);
        all.iter().find(|i| i.id.eq_ignore_ascii_case(id)).cloned()
    }
}
