//! Address-validation fixtures: answers a test arranges for given addresses, for the statuses
//! no rule produces on its own (`InteractionRequired`, `Multiple`, `PremisesPartial`). Kept in
//! memory by each node, like fault rules, and set through the control plane.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use partnerd_wire::{Address, AddressValidationStatus};
use serde::{Deserialize, Serialize};

/// The answer to give for one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressFixture {
    /// The address it answers for; matched on line 1, city, state, postal code and country,
    /// ignoring case and surrounding whitespace.
    pub address: Address,
    /// The status to answer.
    pub status: AddressValidationStatus,
    /// The suggestions to answer.
    #[serde(default)]
    pub suggested_addresses: Vec<Address>,
    /// The message to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_message: Option<String>,
}

/// Most fixtures kept; an arranged test needs a handful.
const CAPACITY: usize = 10_000;

/// The fixtures of this node.
#[derive(Debug, Default)]
pub struct AddressFixtures(RwLock<HashMap<String, AddressFixture>>);

/// The key an address is matched on.
pub fn key(address: &Address) -> String {
    let part = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_lowercase();
    [
        part(&address.address_line1),
        part(&address.city),
        part(&address.state),
        part(&address.postal_code),
        part(&address.country),
    ]
    .join("\u{1f}")
}

impl AddressFixtures {
    /// Adds or replaces the fixture of its address; false when the store of fixtures is full.
    pub fn put(&self, fixture: AddressFixture) -> bool {
        let mut all = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let k = key(&fixture.address);
        if all.len() >= CAPACITY && !all.contains_key(&k) {
            return false;
        }
        all.insert(k, fixture);
        true
    }

    /// The fixture arranged for `address`, if any.
    pub fn find(&self, address: &Address) -> Option<AddressFixture> {
        let all = self.0.read().unwrap_or_else(PoisonError::into_inner);
        all.get(&key(address)).cloned()
    }

    /// Every fixture.
    pub fn list(&self) -> Vec<AddressFixture> {
        let all = self.0.read().unwrap_or_else(PoisonError::into_inner);
        all.values().cloned().collect()
    }

    /// Removes every fixture.
    pub fn clear(&self) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(line: &str) -> Address {
        Address {
            address_line1: Some(line.into()),
            city: Some("Redmond".into()),
            state: Some("WA".into()),
            postal_code: Some("98052".into()),
            country: Some("US".into()),
            ..Default::default()
        }
    }

    #[test]
    fn fixtures_match_ignoring_case_and_spaces() {
        let f = AddressFixtures::default();
        assert!(f.put(AddressFixture {
            address: address("1 Microsoft Way"),
            status: AddressValidationStatus::Multiple,
            suggested_addresses: vec![],
            validation_message: None,
        }));
        assert!(f.find(&address("  1 MICROSOFT WAY ")).is_some());
        assert!(f.find(&address("2 Microsoft Way")).is_none());
        f.clear();
        assert!(f.list().is_empty());
    }
}
