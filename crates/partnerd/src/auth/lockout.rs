//! Brute-force protection for password checks, per user and per source address.
//!
//! Failures are counted in a fixed window; reaching the threshold locks the user (or source)
//! until the window that started with its first failure has passed twice over. State is kept
//! in memory on each node: on several nodes an attacker gets at most the threshold per node.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LockoutPolicy;

#[derive(Debug, Clone, Copy)]
struct Entry {
    window_start: Instant,
    failures: u32,
    locked_until: Option<Instant>,
}

/// Failure counters of one node.
#[derive(Debug)]
pub struct Lockout {
    policy: LockoutPolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Most keys remembered; older windows are swept when the map grows past this.
const MAX_KEYS: usize = 100_000;

impl Lockout {
    /// Counters under a policy.
    pub fn new(policy: LockoutPolicy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn user_key(upn: &str) -> String {
        format!("user:{}", upn.to_lowercase())
    }

    fn source_key(ip: IpAddr) -> String {
        format!("source:{ip}")
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.policy.window_secs.max(1))
    }

    /// Whether attempts for this user, or from this source, are refused right now.
    pub fn is_locked(&self, upn: &str, source: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        let locked = |key: &str| {
            entries
                .get(key)
                .and_then(|e| e.locked_until)
                .is_some_and(|until| until > now)
        };
        locked(&Self::user_key(upn)) || source.is_some_and(|ip| locked(&Self::source_key(ip)))
    }

    /// Records a failed attempt.
    pub fn failed(&self, upn: &str, source: Option<IpAddr>) {
        let now = Instant::now();
        let window = self.window();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() > MAX_KEYS {
            entries.retain(|_, e| now.duration_since(e.window_start) < window * 2);
        }
        let mut bump = |key: String, threshold: u32| {
            let e = entries.entry(key).or_insert(Entry {
                window_start: now,
                failures: 0,
                locked_until: None,
            });
            if now.duration_since(e.window_start) >= window {
                *e = Entry {
                    window_start: now,
                    failures: 0,
                    locked_until: e.locked_until.filter(|u| *u > now),
                };
            }
            e.failures += 1;
            if threshold > 0 && e.failures >= threshold {
                e.locked_until = Some(now + window);
            }
        };
        bump(Self::user_key(upn), self.policy.user_threshold);
        if let Some(ip) = source {
            bump(Self::source_key(ip), self.policy.source_threshold);
        }
    }

    /// Records a success: the user's failures are forgotten.
    pub fn succeeded(&self, upn: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&Self::user_key(upn));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_sources_lock_at_their_thresholds() {
        let l = Lockout::new(LockoutPolicy {
            user_threshold: 3,
            source_threshold: 5,
            window_secs: 60,
        });
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..2 {
            l.failed("a@x", Some(ip));
        }
        assert!(!l.is_locked("A@X", Some(ip)));
        l.failed("a@x", Some(ip));
        assert!(l.is_locked("a@x", None));
        assert!(!l.is_locked("b@x", None));
        l.failed("b@x", Some(ip));
        l.failed("c@x", Some(ip));
        assert!(
            l.is_locked("d@x", Some(ip)),
            "the source is locked after 5 failures"
        );
        assert!(!l.is_locked("d@x", Some("10.0.0.2".parse().unwrap())));
        l.succeeded("b@x");
        assert!(!l.is_locked("b@x", None));
    }

    #[test]
    fn a_zero_threshold_never_locks() {
        let l = Lockout::new(LockoutPolicy {
            user_threshold: 0,
            source_threshold: 0,
            window_secs: 60,
        });
        for _ in 0..50 {
            l.failed("a@x", None);
        }
        assert!(!l.is_locked("a@x", None));
    }
}
