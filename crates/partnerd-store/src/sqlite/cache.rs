//! An in-process cache of billing profiles, the API's hottest read.
//!
//! Correct because every write to customers goes through this process's store: one
//! `partnerd serve` per SQLite file (the server enforces it with a lock file), and the CLI
//! never writes customers. Writes invalidate the customer's entry once committed.
//!
//! A reader that misses reads the database and then fills the entry, but only if no
//! invalidation happened since it began (a generation counter): otherwise a read that raced
//! with a write could put the old profile back after the write's invalidation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::model::BillingProfile;

/// What the cache knows of one customer.
#[derive(Debug, Clone)]
pub(super) struct CachedBilling {
    /// Partners with a relationship to the customer.
    pub partners: Vec<crate::TenantId>,
    /// The profile.
    pub billing: BillingProfile,
    /// Its ETag.
    pub etag: i64,
}

/// Most customers remembered; the cache starts over when it would grow past this.
const CAPACITY: usize = 100_000;

#[derive(Default)]
pub(super) struct BillingCache {
    generation: AtomicU64,
    entries: RwLock<HashMap<String, Arc<CachedBilling>>>,
}

impl BillingCache {
    /// The entry of a customer, if cached.
    pub fn get(&self, customer_id: &str) -> Option<Arc<CachedBilling>> {
        self.entries.read().ok()?.get(customer_id).cloned()
    }

    /// The generation to quote when filling after a miss.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Fills an entry read from the database, unless a write invalidated anything since
    /// `generation` was taken.
    pub fn fill(&self, generation: u64, customer_id: &str, entry: Arc<CachedBilling>) {
        if let Ok(mut entries) = self.entries.write() {
            if self.generation.load(Ordering::Acquire) != generation {
                return;
            }
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(customer_id.to_owned(), entry);
        }
    }

    /// Forgets every customer (after a write to many).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.clear();
        }
    }

    /// Forgets a customer after a write to it.
    pub fn invalidate(&self, customer_id: &str) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            entries.remove(customer_id);
        }
    }
}
