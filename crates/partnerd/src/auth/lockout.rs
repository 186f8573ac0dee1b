//! Brute-force protection for password checks, shaped like Entra's smart lockout.
//!
//! Two counts are kept, each in a fixed window that starts with its first failure:
//!
//! - **Per user and source address.** `user_threshold` wrong passwords for one user from one
//!   address lock that user *from that address* for the window. The same user keeps signing
//!   in from every other address, so whoever knows a user name can lock out only themselves.
//! - **Per source address, across users.** After `source_threshold` wrong passwords from one
//!   address, whoever the users, that address is spraying: each further attempt from it waits
//!   ([`Admission::After`]) [`DELAY_STEP`] for every failure from the threshold on, up to
//!   [`MAX_DELAY`], after the turn of the attempt before it, so sending them in parallel gains
//!   nothing. An attempt whose turn is more than [`MAX_DELAY`] away is refused at once
//!   ([`Admission::Throttled`]). No user is locked by this: a right password from a spraying
//!   address still succeeds, later.
//!
//! Memory is bounded: each count keeps at most [`MAX_ENTRIES`] keys, forgetting the oldest
//! first, so a spray over many users or from many addresses cannot grow it without limit.
//! Counts are kept in memory on each node: on several nodes an attacker gets the thresholds
//! once per node. They count by this node's monotonic clock ([`Instant`]), not the store's.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::config::LockoutPolicy;

/// Most keys each count remembers (user and address pairs; addresses).
pub const MAX_ENTRIES: usize = 100_000;

/// How long a spraying address's attempt waits (after the one before it) for each failure
/// from its threshold on.
pub const DELAY_STEP: Duration = Duration::from_millis(10);

/// The longest a spraying address's attempt waits; one that would wait longer is refused.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// What to do with a password attempt, asked before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Check it now.
    Now,
    /// Check it after this wait: its address is spraying.
    After(Duration),
    /// Refuse it: this user is locked from this address.
    Locked,
    /// Refuse it for now: its address is spraying and has attempts waiting their turn.
    Throttled,
}

/// Failures counted in a fixed window that starts with the first of them.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

impl Window {
    fn new(now: Instant) -> Self {
        Self {
            start: now,
            failures: 0,
        }
    }

    fn elapsed(&self, now: Instant, window: Duration) -> bool {
        now.saturating_duration_since(self.start) >= window
    }

    /// The failures that still count at `now`.
    fn current(&self, now: Instant, window: Duration) -> u32 {
        if self.elapsed(now, window) {
            0
        } else {
            self.failures
        }
    }

    /// Counts a failure (in a new window if the last one has passed); the count after it.
    fn fail(&mut self, now: Instant, window: Duration) -> u32 {
        if self.elapsed(now, window) {
            *self = Self::new(now);
        }
        self.failures = self.failures.saturating_add(1);
        self.failures
    }
}

/// One user from one address.
#[derive(Debug)]
struct PairEntry {
    window: Window,
    locked_until: Option<Instant>,
}

impl PairEntry {
    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// One address, across users.
#[derive(Debug)]
struct SourceEntry {
    window: Window,
    /// When the next delayed attempt from this address may go ahead.
    next_turn: Instant,
}

/// A user (lower-cased UPN) and the address the attempt came from, when known.
type PairKey = (String, Option<IpAddr>);

/// The address counted for a source: an IPv6 address's /64 network, since one host is
/// commonly given a whole /64 and could otherwise try from a new address every time; an
/// IPv4-mapped address as the IPv4 address it is.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// A map that keeps at most `capacity` keys, forgetting the oldest first.
#[derive(Debug)]
struct Bounded<K, V> {
    entries: HashMap<K, V>,
    /// Keys in the order they were added. Entries leave only from the front, so each key in
    /// the map is here exactly once.
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key)
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key)
    }

    /// The entry of `key`, made by `make` when absent. Making one first drops the oldest
    /// entries that `stale` says no longer matter, then, when still full, the oldest.
    fn entry(&mut self, key: K, make: impl FnOnce() -> V, stale: impl Fn(&V) -> bool) -> &mut V {
        if !self.entries.contains_key(&key) {
            while let Some(oldest) = self.order.front() {
                let full = self.entries.len() >= self.capacity;
                if !full && !self.entries.get(oldest).is_some_and(&stale) {
                    break;
                }
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                }
            }
            self.order.push_back(key.clone());
        }
        self.entries.entry(key).or_insert_with(make)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[derive(Debug)]
struct Counts {
    pairs: Bounded<PairKey, PairEntry>,
    sources: Bounded<IpAddr, SourceEntry>,
}

/// Failure counts of one node.
#[derive(Debug)]
pub struct Lockout {
    policy: LockoutPolicy,
    counts: Mutex<Counts>,
}

impl Lockout {
    /// Counts under a policy, each remembering at most [`MAX_ENTRIES`] keys.
    pub fn new(policy: LockoutPolicy) -> Self {
        Self::with_capacity(policy, MAX_ENTRIES)
    }

    fn with_capacity(policy: LockoutPolicy, capacity: usize) -> Self {
        Self {
            policy,
            counts: Mutex::new(Counts {
                pairs: Bounded::new(capacity),
                sources: Bounded::new(capacity),
            }),
        }
    }

    fn pair_key(upn: &str, source: Option<IpAddr>) -> PairKey {
        (upn.to_lowercase(), source.map(network))
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.policy.window_secs.max(1))
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // The counts stay consistent whatever panicked while holding the lock: each update
        // is a few field writes.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether this user is locked from this address right now.
    pub fn is_locked(&self, upn: &str, source: Option<IpAddr>) -> bool {
        self.is_locked_at(Instant::now(), upn, source)
    }

    fn is_locked_at(&self, now: Instant, upn: &str, source: Option<IpAddr>) -> bool {
        self.counts()
            .pairs
            .get(&Self::pair_key(upn, source))
            .is_some_and(|e| e.locked(now))
    }

    /// Whether, and when, an attempt for this user from this address may be checked. A
    /// delayed attempt has its turn reserved: the caller waits, then checks.
    pub fn admit(&self, upn: &str, source: Option<IpAddr>) -> Admission {
        self.admit_at(Instant::now(), upn, source)
    }

    fn admit_at(&self, now: Instant, upn: &str, source: Option<IpAddr>) -> Admission {
        let window = self.window();
        let mut guard = self.counts();
        let counts = &mut *guard;
        let pair = counts.pairs.get(&Self::pair_key(upn, source));
        if pair.is_some_and(|e| e.locked(now)) {
            return Admission::Locked;
        }
        let threshold = self.policy.source_threshold;
        let Some(ip) = source.filter(|_| threshold > 0).map(network) else {
            return Admission::Now;
        };
        let Some(entry) = counts.sources.get_mut(&ip) else {
            return Admission::Now;
        };
        let failures = entry.window.current(now, window);
        if failures < threshold {
            return Admission::Now;
        }
        let delay = DELAY_STEP
            .saturating_mul(failures - threshold + 1)
            .min(MAX_DELAY);
        let turn = entry.next_turn.max(now) + delay;
        let wait = turn.saturating_duration_since(now);
        if wait > MAX_DELAY {
            return Admission::Throttled;
        }
        entry.next_turn = turn;
        Admission::After(wait)
    }

    /// Records a wrong password for this user from this address.
    pub fn failed(&self, upn: &str, source: Option<IpAddr>) {
        self.failed_at(Instant::now(), upn, source);
    }

    fn failed_at(&self, now: Instant, upn: &str, source: Option<IpAddr>) {
        let window = self.window();
        let mut guard = self.counts();
        let counts = &mut *guard;
        let pair = counts.pairs.entry(
            Self::pair_key(upn, source),
            || PairEntry {
                window: Window::new(now),
                locked_until: None,
            },
            |e| !e.locked(now) && e.window.elapsed(now, window),
        );
        let failures = pair.window.fail(now, window);
        let threshold = self.policy.user_threshold;
        if threshold > 0 && failures >= threshold {
            pair.locked_until = Some(now + window);
        }
        if let Some(ip) = source.map(network) {
            let entry = counts.sources.entry(
                ip,
                || SourceEntry {
                    window: Window::new(now),
                    next_turn: now,
                },
                |e| e.window.elapsed(now, window) && e.next_turn <= now,
            );
            entry.window.fail(now, window);
        }
    }

    /// Records a right password: the failures of this user from this address are forgotten.
    /// The address's count across users stays, or one known password would let a sprayer
    /// wipe its own record.
    pub fn succeeded(&self, upn: &str, source: Option<IpAddr>) {
        self.succeeded_at(Instant::now(), upn, source);
    }

    fn succeeded_at(&self, now: Instant, upn: &str, source: Option<IpAddr>) {
        if let Some(pair) = self.counts().pairs.get_mut(&Self::pair_key(upn, source)) {
            pair.window = Window::new(now);
            pair.locked_until = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(user_threshold: u32, source_threshold: u32) -> LockoutPolicy {
        LockoutPolicy {
            user_threshold,
            source_threshold,
            window_secs: 60,
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_user_is_locked_only_from_the_address_that_guessed() {
        let l = Lockout::new(policy(3, 0));
        let t0 = Instant::now();
        let (attacker, home) = (ip("10.0.0.1"), ip("10.0.0.2"));
        for _ in 0..2 {
            l.failed_at(t0, "a@x", attacker);
        }
        assert_eq!(l.admit_at(t0, "A@X", attacker), Admission::Now);
        l.failed_at(t0, "A@x", attacker);
        assert_eq!(l.admit_at(t0, "a@x", attacker), Admission::Locked);
        assert!(l.is_locked_at(t0, "a@x", attacker));
        // The user signs in from elsewhere; the attacker may still try other users.
        assert_eq!(l.admit_at(t0, "a@x", home), Admission::Now);
        assert_eq!(l.admit_at(t0, "b@x", attacker), Admission::Now);
        // The lock lasts the window, counted from the failure that set it.
        let later = t0 + Duration::from_secs(59);
        assert_eq!(l.admit_at(later, "a@x", attacker), Admission::Locked);
        let after = t0 + Duration::from_secs(60);
        assert_eq!(l.admit_at(after, "a@x", attacker), Admission::Now);
        // ...and the count starts afresh: one more failure does not lock again.
        l.failed_at(after, "a@x", attacker);
        assert_eq!(l.admit_at(after, "a@x", attacker), Admission::Now);
    }

    #[test]
    fn an_unknown_address_counts_as_one_address() {
        let l = Lockout::new(policy(2, 1));
        let t0 = Instant::now();
        l.failed_at(t0, "a@x", None);
        l.failed_at(t0, "a@x", None);
        assert_eq!(l.admit_at(t0, "a@x", None), Admission::Locked);
        assert_eq!(l.admit_at(t0, "a@x", ip("10.0.0.1")), Admission::Now);
        // No address, no spraying count.
        assert_eq!(l.admit_at(t0, "b@x", None), Admission::Now);
    }

    #[test]
    fn a_right_password_clears_the_pair_but_not_the_address() {
        let l = Lockout::new(policy(3, 2));
        let t0 = Instant::now();
        let a = ip("10.0.0.1");
        l.failed_at(t0, "a@x", a);
        l.failed_at(t0, "a@x", a);
        l.succeeded_at(t0, "a@x", a);
        l.failed_at(t0, "a@x", a);
        l.failed_at(t0, "a@x", a);
        assert_ne!(l.admit_at(t0, "a@x", a), Admission::Locked);
        // Four failures from the address in all: past its threshold of two.
        assert!(matches!(l.admit_at(t0, "z@x", a), Admission::After(_)));
    }

    #[test]
    fn a_spraying_address_is_slowed_and_throttled_but_locks_no_one() {
        let l = Lockout::new(policy(3, 5));
        let t0 = Instant::now();
        let sprayer = ip("10.0.0.9");
        for user in ["a@x", "b@x", "c@x", "d@x"] {
            l.failed_at(t0, user, sprayer);
        }
        assert_eq!(l.admit_at(t0, "e@x", sprayer), Admission::Now);
        l.failed_at(t0, "e@x", sprayer);
        // Five failures: each attempt now waits, and waits its turn after the one before.
        assert_eq!(l.admit_at(t0, "f@x", sprayer), Admission::After(DELAY_STEP));
        assert_eq!(
            l.admit_at(t0, "g@x", sprayer),
            Admission::After(DELAY_STEP * 2)
        );
        // Nobody is locked, from the sprayer or elsewhere.
        for user in ["a@x", "b@x", "c@x", "d@x", "e@x"] {
            assert!(!l.is_locked_at(t0, user, sprayer), "{user}");
        }
        assert_eq!(l.admit_at(t0, "a@x", ip("10.0.0.10")), Admission::Now);
        // The delay grows with the failures, up to its bound...
        for n in 0..500 {
            l.failed_at(t0, &format!("u{n}@x"), sprayer);
        }
        let later = t0 + Duration::from_secs(5);
        assert_eq!(
            l.admit_at(later, "a@x", sprayer),
            Admission::After(MAX_DELAY)
        );
        // ...and an attempt whose turn is further off than that is refused.
        assert_eq!(l.admit_at(later, "a@x", sprayer), Admission::Throttled);
        // The window passes: the address starts afresh.
        let next = t0 + Duration::from_secs(61);
        assert_eq!(l.admit_at(next, "a@x", sprayer), Admission::Now);
    }

    #[test]
    fn an_ipv6_host_counts_as_its_network() {
        let l = Lockout::new(policy(2, 0));
        let t0 = Instant::now();
        l.failed_at(t0, "a@x", ip("2001:db8:1:2::1"));
        l.failed_at(t0, "a@x", ip("2001:db8:1:2:ffff::9"));
        assert!(l.is_locked_at(t0, "a@x", ip("2001:db8:1:2::77")));
        assert!(!l.is_locked_at(t0, "a@x", ip("2001:db8:1:3::1")));
        l.failed_at(t0, "b@x", ip("::ffff:10.0.0.1"));
        l.failed_at(t0, "b@x", ip("10.0.0.1"));
        assert!(l.is_locked_at(t0, "b@x", ip("10.0.0.1")));
    }

    #[test]
    fn a_zero_threshold_never_locks_nor_slows() {
        let l = Lockout::new(policy(0, 0));
        let t0 = Instant::now();
        for _ in 0..50 {
            l.failed_at(t0, "a@x", ip("10.0.0.1"));
        }
        assert_eq!(l.admit_at(t0, "a@x", ip("10.0.0.1")), Admission::Now);
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_are_forgotten() {
        let l = Lockout::with_capacity(policy(2, 0), 3);
        let t0 = Instant::now();
        let a = ip("10.0.0.1");
        l.failed_at(t0, "first@x", a);
        l.failed_at(t0, "first@x", a);
        assert!(l.is_locked_at(t0, "first@x", a));
        for n in 0..10 {
            l.failed_at(t0, &format!("u{n}@x"), ip(&format!("10.0.1.{n}")));
        }
        {
            let counts = l.counts();
            assert_eq!(counts.pairs.len(), 3);
            assert_eq!(counts.sources.len(), 3);
        }
        assert!(!l.is_locked_at(t0, "first@x", a), "the oldest is forgotten");
        l.failed_at(t0, "u9@x", ip("10.0.1.9"));
        assert!(
            l.is_locked_at(t0, "u9@x", ip("10.0.1.9")),
            "the newest is kept"
        );
    }

    #[test]
    fn stale_entries_make_room_before_live_ones_go() {
        let l = Lockout::with_capacity(policy(5, 0), 100);
        let t0 = Instant::now();
        for n in 0..50 {
            l.failed_at(t0, &format!("old{n}@x"), ip("10.0.0.1"));
        }
        // A window later, the old counts no longer matter and are dropped as new ones come.
        let later = t0 + Duration::from_secs(61);
        l.failed_at(later, "new@x", ip("10.0.0.1"));
        assert_eq!(l.counts().pairs.len(), 1);
    }
}
