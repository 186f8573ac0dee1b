//! Per-partner throttling through `governor`: one rate limiter keyed by the partner's tenant
//! id, with the documented profile's quota (500 requests a minute) as a burst that refills
//! continuously, one request every `per / capacity` (GCRA, which admits exactly what a token
//! bucket of that size and rate would).
//!
//! Keys are authenticated partners' tenant ids, so there are as many as the store holds
//! partners; keys whose bucket has refilled (indistinguishable from a fresh one) are dropped
//! every few thousand checks.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

/// Refused: whole seconds (at least 1) until the bucket holds a token again, for `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u32);

/// Checks between two sweeps of refilled keys.
const TIDY_EVERY: u64 = 4096;

/// Token buckets per key. Share it behind an `Arc`.
pub struct Throttle<C: Clock = DefaultClock> {
    limiter: RateLimiter<String, DashMapStateStore<String>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    checks: AtomicU64,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("keys", &self.limiter.len())
            .finish()
    }
}

impl Throttle {
    /// `capacity` requests per `per`, per key. A zero capacity or period is treated as 1 (one
    /// request, one nanosecond) so the quota stays defined.
    pub fn new(capacity: u32, per: Duration) -> Self {
        Self::with_clock(capacity, per, DefaultClock::default())
    }

    /// The documented Partner Center profile: 500 requests per 60 seconds.
    pub fn partner_center() -> Self {
        Self::new(500, Duration::from_secs(60))
    }
}

impl<C: Clock + Clone> Throttle<C> {
    fn with_clock(capacity: u32, per: Duration, clock: C) -> Self {
        let burst = NonZeroU32::new(capacity).unwrap_or(NonZeroU32::MIN);
        let period = (per / burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::dashmap_with_clock(quota, clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Takes a token for `key` now, or says how long to wait. Keys are compared
    /// ASCII-case-insensitively, as tenant ids are.
    pub fn check(&self, key: &str) -> Result<(), RetryAfter> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % TIDY_EVERY == TIDY_EVERY - 1 {
            self.tidy();
        }
        self.limiter
            .check_key(&key.to_ascii_lowercase())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                let secs = wait.as_nanos().div_ceil(1_000_000_000).max(1);
                RetryAfter(u32::try_from(secs).unwrap_or(u32::MAX))
            })
    }

    /// Drops the keys whose bucket has refilled: a full bucket is indistinguishable from a
    /// new one, so nothing is lost.
    fn tidy(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
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
    use governor::clock::FakeRelativeClock;

    const P1: &str = "0f4c3b6a-1111-4d6e-9d2e-000000000001";
    const P2: &str = "0f4c3b6a-1111-4d6e-9d2e-000000000002";

    fn fake(capacity: u32, per: Duration) -> (Throttle<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (Throttle::with_clock(capacity, per, clock.clone()), clock)
    }

    #[test]
    fn five_hundred_pass_then_refused() {
        let (t, _) = fake(500, Duration::from_secs(60));
        for i in 0..500 {
            assert_eq!(t.check(P1), Ok(()), "request {i}");
        }
        let Err(RetryAfter(secs)) = t.check(P1) else {
            panic!("501st must be refused");
        };
        // One token takes 60/500 s = 120 ms: rounded up to a whole second.
        assert_eq!(secs, 1);
    }

    #[test]
    fn tokens_come_back_continuously() {
        let (t, clock) = fake(500, Duration::from_secs(60));
        for _ in 0..500 {
            t.check(P1).unwrap();
        }
        clock.advance(Duration::from_millis(119));
        assert!(t.check(P1).is_err());
        clock.advance(Duration::from_millis(1));
        assert_eq!(t.check(P1), Ok(()));
        assert!(t.check(P1).is_err());
        // Ten seconds later: 10 s × 500/60 ≈ 83 more tokens.
        clock.advance(Duration::from_secs(10));
        let passed = (0..200).filter(|_| t.check(P1).is_ok()).count();
        assert_eq!(passed, 83);
        // After a full period the bucket is full again, and never more than full.
        clock.advance(Duration::from_secs(3600));
        let passed = (0..600).filter(|_| t.check(P1).is_ok()).count();
        assert_eq!(passed, 500);
    }

    #[test]
    fn retry_after_counts_whole_seconds() {
        let (t, clock) = fake(2, Duration::from_secs(10));
        t.check(P1).unwrap();
        t.check(P1).unwrap();
        assert_eq!(t.check(P1), Err(RetryAfter(5)));
        clock.advance(Duration::from_millis(4001));
        assert_eq!(t.check(P1), Err(RetryAfter(1)));
        clock.advance(Duration::from_millis(999));
        assert_eq!(t.check(P1), Ok(()));
    }

    #[test]
    fn keys_are_independent_and_case_insensitive() {
        let (t, _) = fake(3, Duration::from_secs(60));
        for _ in 0..3 {
            t.check(P1).unwrap();
        }
        assert!(t.check(&P1.to_uppercase()).is_err());
        for _ in 0..3 {
            assert_eq!(t.check(P2), Ok(()));
        }
        assert!(t.check(P2).is_err());
    }

    #[test]
    fn refilled_keys_are_dropped_and_busy_ones_kept() {
        let (t, clock) = fake(10, Duration::from_secs(1));
        for i in 0..1000 {
            t.check(&format!("p{i}")).unwrap();
        }
        for _ in 0..10 {
            t.check("busy").unwrap();
        }
        assert_eq!(t.limiter.len(), 1001);
        // The idle keys refill within the second; "busy" is refused again at once after it.
        clock.advance(Duration::from_secs(2));
        for _ in 0..10 {
            t.check("busy").unwrap();
        }
        t.tidy();
        assert_eq!(t.limiter.len(), 1);
        assert!(t.check("busy").is_err());
    }

    #[test]
    fn is_thread_safe() {
        let t = std::sync::Arc::new(Throttle::new(1000, Duration::from_secs(3600)));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || (0..400).filter(|_| t.check(P1).is_ok()).count())
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
