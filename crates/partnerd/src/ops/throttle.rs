//! Per-partner throttling: a token bucket per key (the partner's tenant id).
//!
//! Each bucket starts full with `capacity` tokens and refills continuously at `capacity / per`;
//! a request takes one token or is refused with the whole seconds until one is back. Token
//! counts are kept in exact integer units (one token = `per` in nanoseconds, refill adds
//! `capacity` units per elapsed nanosecond), so refill never drifts and "one token after
//! exactly 120 ms" holds exactly. Buckets live in a few mutex-guarded shards so two cores do
//! not serialize on one lock; each check is a hash lookup and a few integer operations.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Refused: whole seconds (at least 1) until the bucket holds a token again, for `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u32);

/// Number of shards; a power of two keeps shard selection a mask.
const SHARDS: usize = 16;

/// Most keys remembered across all shards. Keys are authenticated partner tenants, so this is
/// a safety net, not a working limit.
const MAX_KEYS: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Tokens in units of 1/`per_nanos` token.
    units: u128,
    /// When `units` was last brought up to date.
    at: Instant,
}

/// One shard of the key → bucket map.
type Shard = Mutex<HashMap<Box<str>, Bucket>>;

/// Token buckets per key. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Throttle {
    capacity: u128,
    per_nanos: u128,
    max_per_shard: usize,
    hasher: RandomState,
    shards: Box<[Shard]>,
}

impl Throttle {
    /// `capacity` requests per `per`, per key. A zero capacity or period is treated as 1 (one
    /// request, one nanosecond) so the arithmetic stays defined.
    pub fn new(capacity: u32, per: Duration) -> Self {
        Self::with_max_keys(capacity, per, MAX_KEYS)
    }

    /// The documented Partner Center profile: 500 requests per 60 seconds.
    pub fn partner_center() -> Self {
        Self::new(500, Duration::from_secs(60))
    }

    fn with_max_keys(capacity: u32, per: Duration, max_keys: usize) -> Self {
        Self {
            capacity: u128::from(capacity.max(1)),
            per_nanos: per.as_nanos().max(1),
            max_per_shard: (max_keys / SHARDS).max(1),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Takes a token for `key` now, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), RetryAfter> {
        self.check_at(key, Instant::now())
    }

    /// [`Throttle::check`] at a given instant (for tests, and callers that already read the
    /// clock). Keys are compared ASCII-case-insensitively, as tenant ids are; an instant
    /// earlier than the bucket's last one counts as no time passed.
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), RetryAfter> {
        // Fold case only when needed: tenant ids normally arrive lower-case.
        let folded;
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            folded = key.to_ascii_lowercase();
            folded.as_str()
        } else {
            key
        };
        let full = self.capacity * self.per_nanos;
        let shard = &self.shards[self.hasher.hash_one(key) as usize & (SHARDS - 1)];
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = match map.get_mut(key) {
            Some(b) => {
                let elapsed = now.saturating_duration_since(b.at).as_nanos();
                // Past `per` the bucket is full anyway; capping also bounds the product.
                let gained = elapsed.min(self.per_nanos) * self.capacity;
                b.units = (b.units + gained).min(full);
                b.at = b.at.max(now);
                b
            }
            None => {
                if map.len() >= self.max_per_shard {
                    self.evict(&mut map, now);
                }
                map.entry(key.into()).or_insert(Bucket {
                    units: full,
                    at: now,
                })
            }
        };
        if bucket.units >= self.per_nanos {
            bucket.units -= self.per_nanos;
            return Ok(());
        }
        let wait_nanos = (self.per_nanos - bucket.units).div_ceil(self.capacity);
        let secs = wait_nanos.div_ceil(1_000_000_000).max(1);
        Err(RetryAfter(u32::try_from(secs).unwrap_or(u32::MAX)))
    }

    /// Makes room in a full shard. Buckets that have refilled completely are dropped first: a
    /// full bucket is indistinguishable from a new one, so nothing is lost. If the shard is
    /// still crowded, the least recently used half goes (those partners get a fresh bucket,
    /// at worst `capacity` extra requests). Either way at least a quarter of the shard is free
    /// afterwards, so the sweep's cost is spread over many inserts.
    fn evict(&self, map: &mut HashMap<Box<str>, Bucket>, now: Instant) {
        let full = self.capacity * self.per_nanos;
        map.retain(|_, b| {
            let gained = now
                .saturating_duration_since(b.at)
                .as_nanos()
                .min(self.per_nanos)
                * self.capacity;
            b.units + gained < full
        });
        let crowded = self.max_per_shard - self.max_per_shard / 4;
        if map.len() >= crowded.max(1) {
            let keep = self.max_per_shard / 2;
            if keep == 0 {
                map.clear();
                return;
            }
            let mut ages: Vec<Instant> = map.values().map(|b| b.at).collect();
            let cut = ages.len() - keep;
            let (_, oldest_kept, _) = ages.select_nth_unstable(cut);
            let threshold = *oldest_kept;
            map.retain(|_, b| b.at >= threshold);
            // Ties at the threshold may leave a few extra; trim arbitrarily to the target.
            let extra: Vec<Box<str>> = map.keys().skip(keep).cloned().collect();
            for k in extra {
                map.remove(&k);
            }
        }
    }

    /// Keys currently tracked.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

/// The 429 body, exactly as Partner Center sends it.
pub fn throttled_body(retry_after: u32) -> String {
    format!(
        "{{\"statusCode\":429,\"message\":\"Rate limit is exceeded. Try again in {retry_after} seconds.\"}}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = "0f4c3b6a-1111-4d6e-9d2e-000000000001";
    const P2: &str = "0f4c3b6a-1111-4d6e-9d2e-000000000002";

    #[test]
    fn five_hundred_pass_then_refused() {
        let t = Throttle::partner_center();
        let now = Instant::now();
        for i in 0..500 {
            assert_eq!(t.check_at(P1, now), Ok(()), "request {i}");
        }
        let Err(RetryAfter(secs)) = t.check_at(P1, now) else {
            panic!("501st must be refused");
        };
        // One token takes 60/500 s = 120 ms: rounded up to a whole second.
        assert_eq!(secs, 1);
    }

    #[test]
    fn tokens_come_back_continuously() {
        let t = Throttle::partner_center();
        let t0 = Instant::now();
        for _ in 0..500 {
            t.check_at(P1, t0).unwrap();
        }
        assert!(t.check_at(P1, t0 + Duration::from_millis(119)).is_err());
        assert_eq!(t.check_at(P1, t0 + Duration::from_millis(120)), Ok(()));
        assert!(t.check_at(P1, t0 + Duration::from_millis(120)).is_err());
        // Ten seconds later: 10 s × 500/60 ≈ 83 more tokens (from the 120 ms mark: 83).
        let later = t0 + Duration::from_millis(120) + Duration::from_secs(10);
        let passed = (0..200).filter(|_| t.check_at(P1, later).is_ok()).count();
        assert_eq!(passed, 83);
        // After a full period the bucket is full again, and never more than full.
        let refilled = later + Duration::from_secs(3600);
        let passed = (0..600)
            .filter(|_| t.check_at(P1, refilled).is_ok())
            .count();
        assert_eq!(passed, 500);
    }

    #[test]
    fn retry_after_counts_whole_seconds() {
        let t = Throttle::new(2, Duration::from_secs(10));
        let now = Instant::now();
        t.check_at(P1, now).unwrap();
        t.check_at(P1, now).unwrap();
        assert_eq!(t.check_at(P1, now), Err(RetryAfter(5)));
        assert_eq!(
            t.check_at(P1, now + Duration::from_millis(4001)),
            Err(RetryAfter(1))
        );
        assert_eq!(t.check_at(P1, now + Duration::from_secs(5)), Ok(()));
        // A clock that goes backwards counts as no time passed.
        assert!(t.check_at(P1, now).is_err());
    }

    #[test]
    fn keys_are_independent_and_case_insensitive() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..3 {
            t.check_at(P1, now).unwrap();
        }
        assert!(t.check_at(&P1.to_uppercase(), now).is_err());
        for _ in 0..3 {
            assert_eq!(t.check_at(P2, now), Ok(()));
        }
        assert!(t.check_at(P2, now).is_err());
    }

    #[test]
    fn idle_keys_are_evicted() {
        let t = Throttle::with_max_keys(10, Duration::from_secs(1), SHARDS * 4);
        let t0 = Instant::now();
        for i in 0..10_000 {
            t.check_at(&format!("p{i}"), t0).unwrap();
        }
        assert!(t.tracked() <= SHARDS * 4, "{}", t.tracked());
        // Later the old keys have refilled (idle): they make room, and an active bucket
        // inserted among them keeps its state.
        let t1 = t0 + Duration::from_secs(2);
        for _ in 0..10 {
            t.check_at("busy", t1).unwrap();
        }
        t.check_at("q1", t1).unwrap();
        t.check_at("q2", t1).unwrap();
        assert!(t.check_at("busy", t1).is_err());
        // Even when every key is active, the map stays bounded.
        for i in 0..1000 {
            t.check_at(&format!("r{i}"), t1).unwrap();
        }
        assert!(t.tracked() <= SHARDS * 4, "{}", t.tracked());
    }

    #[test]
    fn is_thread_safe() {
        let t = std::sync::Arc::new(Throttle::new(1000, Duration::from_secs(3600)));
        let now = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || (0..400).filter(|_| t.check_at(P1, now).is_ok()).count())
            })
            .collect();
        let passed: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(passed, 1000);
    }

    #[test]
    fn body_is_exact() {
        assert_eq!(
            throttled_body(7),
            r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 7 seconds."}"#
        );
    }
}
