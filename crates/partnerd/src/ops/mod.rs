//! Operational building blocks: metrics, the request journal, throttling and fault injection.
//!
//! Each module is self-contained and synchronous: the state lives behind an `Arc` in the
//! application state, the middleware calls into it on every request, and no lock is ever held
//! across an `.await`. Nothing here speaks HTTP: the operations layer
//! ([`crate::http::operations`]) and the control plane ([`crate::control`]) wire these types
//! into requests, so they can be tested without a server.

pub mod faults;
pub mod fixtures;
pub mod history;
pub mod invitations;
pub mod journal;
pub mod metrics;
pub mod recent;
pub mod redact;
pub mod throttle;

use std::collections::HashSet;
use std::sync::Mutex;

/// The operational state of a server.
#[derive(Debug)]
pub struct Ops {
    /// Prometheus metrics.
    pub metrics: metrics::Metrics,
    /// The last minutes of traffic per route, for the dashboard's charts.
    pub recent: recent::Recent,
    /// The last requests.
    pub journal: journal::Journal,
    /// Per-partner throttling, when on.
    pub throttle: Option<throttle::Throttle>,
    /// Fault-injection rules.
    pub faults: faults::Faults,
    /// Address-validation fixtures.
    pub address_fixtures: fixtures::AddressFixtures,
    /// Reseller invitations asked for.
    pub invitations: invitations::Invitations,
    /// The bearer token of the control plane.
    pub admin_token: String,
    routes: Mutex<HashSet<&'static str>>,
}

impl Ops {
    /// Operational state for these settings.
    pub fn new(
        journal_capacity: usize,
        journal_bytes: usize,
        throttle: Option<throttle::Throttle>,
        admin_token: String,
    ) -> Self {
        Self {
            metrics: metrics::Metrics::default(),
            recent: recent::Recent::default(),
            journal: journal::Journal::new(journal_capacity, journal_bytes),
            throttle,
            faults: faults::Faults::default(),
            address_fixtures: fixtures::AddressFixtures::default(),
            invitations: invitations::Invitations::default(),
            admin_token,
            routes: Mutex::new(HashSet::new()),
        }
    }

    /// Counts one answered request in the metrics and, unless it was to the control plane
    /// (the dashboard's own polling), in the recent traffic.
    pub fn count_request(
        &self,
        control: bool,
        route: &'static str,
        method: &str,
        status: u16,
        latency: std::time::Duration,
    ) {
        self.metrics.record_request(route, method, status, latency);
        if !control {
            self.recent
                .record(route, metrics::method_label(method), latency);
        }
    }

    /// The route pattern as a `'static` label for metrics. Patterns are the router's own, a
    /// fixed few, so interning them keeps memory bounded.
    pub fn route_label(&self, pattern: &str) -> &'static str {
        let mut routes = self
            .routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = routes.get(pattern) {
            return known;
        }
        if routes.len() >= 256 {
            return "other";
        }
        let leaked: &'static str = Box::leak(pattern.to_owned().into_boxed_str());
        routes.insert(leaked);
        leaked
    }
}
