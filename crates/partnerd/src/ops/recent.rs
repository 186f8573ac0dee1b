//! The last minutes of traffic, per route, for the dashboard's charts: requests per second and
//! latency percentiles, in steps of [`STEP`] over [`WINDOW`].
//!
//! Prometheus keeps the long history; this keeps just enough for a page to draw without one.
//! Each route has cumulative latency bucket counters that requests bump with one atomic add;
//! a sampler copies them every step into a ring of snapshots, and a query takes the
//! differences between neighbouring snapshots. Percentiles are interpolated inside a bucket
//! the way Prometheus' `histogram_quantile` does, so they agree with a Prometheus chart of
//! the same series.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The length of one step of the series.
pub const STEP: Duration = Duration::from_secs(5);
/// How far back the series reach.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Snapshots kept: one per step, plus the one each difference starts from.
const SNAPSHOTS: usize = (WINDOW.as_secs() / STEP.as_secs()) as usize + 1;
/// Upper bounds of the latency buckets, in milliseconds; a last bucket holds the rest.
const BOUNDS_MS: [f64; 14] = [
    0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
];
const SLOTS: usize = BOUNDS_MS.len() + 1;
/// Most series kept; routes are the router's patterns, so this is never reached in practice.
const MAX_SERIES: usize = 512;

type Key = (&'static str, &'static str);

#[derive(Debug, Default)]
struct Counts([AtomicU64; SLOTS]);

#[derive(Debug)]
struct Snapshot {
    at: SystemTime,
    series: HashMap<Key, [u64; SLOTS]>,
}

/// Per-route counters and their recent snapshots. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Recent {
    series: RwLock<HashMap<Key, Arc<Counts>>>,
    snapshots: Mutex<VecDeque<Snapshot>>,
}

/// One step of one route.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    /// The end of the step, RFC 3339 UTC.
    pub at: String,
    /// Requests answered in the step.
    pub requests: u64,
    /// Requests per second over the step.
    pub per_second: f64,
    /// Median latency in milliseconds (absent without requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    /// 95th percentile latency in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    /// 99th percentile latency in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
}

/// The steps of one route and method.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Series {
    /// The route pattern.
    pub route: String,
    /// The method.
    pub method: String,
    /// Requests over the whole window.
    pub requests: u64,
    /// One point per step, oldest first.
    pub points: Vec<Point>,
}

/// What the charts draw.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentTraffic {
    /// Seconds per step.
    pub step_seconds: u64,
    /// Every route and method seen in the window, busiest first.
    pub series: Vec<Series>,
}

fn slot(latency: Duration) -> usize {
    let ms = latency.as_secs_f64() * 1000.0;
    BOUNDS_MS
        .iter()
        .position(|b| ms <= *b)
        .unwrap_or(BOUNDS_MS.len())
}

/// The `q` quantile of bucket counts, interpolated linearly inside its bucket; a quantile in
/// the last (unbounded) bucket is its lower bound.
fn quantile(q: f64, counts: &[u64; SLOTS]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0u64;
    for (i, &n) in counts.iter().enumerate() {
        if n > 0 && (below + n) as f64 >= rank {
            let lower = if i == 0 { 0.0 } else { BOUNDS_MS[i - 1] };
            let Some(&upper) = BOUNDS_MS.get(i) else {
                return Some(lower);
            };
            let within = (rank - below as f64) / n as f64;
            return Some(lower + (upper - lower) * within.clamp(0.0, 1.0));
        }
        below += n;
    }
    Some(BOUNDS_MS[BOUNDS_MS.len() - 1])
}

impl Recent {
    /// Counts one answered request of `route` and `method` (both `'static` labels, as the
    /// metrics use).
    pub fn record(&self, route: &'static str, method: &'static str, latency: Duration) {
        let key = (route, method);
        let i = slot(latency);
        if let Some(c) = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            c.0[i].fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if series.len() >= MAX_SERIES && !series.contains_key(&key) {
            return;
        }
        series.entry(key).or_default().0[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Copies the counters into a snapshot taken `at`, dropping the oldest beyond the window.
    pub fn sample(&self, at: SystemTime) {
        let series = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, c)| (*k, std::array::from_fn(|i| c.0[i].load(Ordering::Relaxed))))
            .collect();
        let mut snapshots = self
            .snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        snapshots.push_back(Snapshot { at, series });
        while snapshots.len() > SNAPSHOTS {
            snapshots.pop_front();
        }
    }

    /// The steps of the last `minutes` (at most the window), per route and method.
    pub fn traffic(&self, minutes: u64) -> RecentTraffic {
        let steps = (minutes.saturating_mul(60) / STEP.as_secs()).clamp(1, SNAPSHOTS as u64 - 1);
        let snapshots = self
            .snapshots
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let first = snapshots.len().saturating_sub(steps as usize + 1);
        let window: Vec<&Snapshot> = snapshots.iter().skip(first).collect();
        let mut out: HashMap<Key, Series> = HashMap::new();
        for pair in window.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let seconds = after
                .at
                .duration_since(before.at)
                .unwrap_or(STEP)
                .as_secs_f64()
                .max(0.001);
            for (key, now) in &after.series {
                let then = before.series.get(key).copied().unwrap_or([0; SLOTS]);
                let delta: [u64; SLOTS] = std::array::from_fn(|i| now[i].saturating_sub(then[i]));
                let requests: u64 = delta.iter().sum();
                let series = out.entry(*key).or_insert_with(|| Series {
                    route: key.0.to_owned(),
                    method: key.1.to_owned(),
                    requests: 0,
                    points: Vec::new(),
                });
                series.requests += requests;
                series.points.push(Point {
                    at: rfc3339(after.at),
                    requests,
                    per_second: requests as f64 / seconds,
                    p50_ms: quantile(0.50, &delta),
                    p95_ms: quantile(0.95, &delta),
                    p99_ms: quantile(0.99, &delta),
                });
            }
        }
        // A route first seen part-way through gets empty points before it, so every series
        // lines up with the same steps.
        let ends: Vec<String> = window.iter().skip(1).map(|s| rfc3339(s.at)).collect();
        let mut series: Vec<Series> = out
            .into_values()
            .filter(|s| s.requests > 0)
            .map(|mut s| {
                let missing = ends.len().saturating_sub(s.points.len());
                let mut points: Vec<Point> = ends[..missing]
                    .iter()
                    .map(|at| Point {
                        at: at.clone(),
                        requests: 0,
                        per_second: 0.0,
                        p50_ms: None,
                        p95_ms: None,
                        p99_ms: None,
                    })
                    .collect();
                points.append(&mut s.points);
                s.points = points;
                s
            })
            .collect();
        series.sort_by(|a, b| {
            b.requests
                .cmp(&a.requests)
                .then_with(|| a.route.cmp(&b.route))
                .then_with(|| a.method.cmp(&b.method))
        });
        RecentTraffic {
            step_seconds: STEP.as_secs(),
            series,
        }
    }
}

/// Samples the traffic of `ops` every [`STEP`] until the operational state is dropped.
pub fn spawn_sampler(ops: std::sync::Weak<super::Ops>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(STEP);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(ops) = ops.upgrade() else {
                return;
            };
            ops.recent.sample(SystemTime::now());
        }
    });
}

/// The Unix time of `at`, ISO 8601 (`YYYY-MM-DDThh:mm:ssZ`).
fn rfc3339(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    crate::clock::iso_timestamp(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "/v1/customers";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_000_000 + secs)
    }

    #[test]
    fn rates_and_percentiles_come_from_the_differences_between_snapshots() {
        let recent = Recent::default();
        recent.record(R, "GET", Duration::from_millis(3));
        recent.sample(at(0));
        // 100 requests in the next step: 90 fast, 10 slow.
        for _ in 0..90 {
            recent.record(R, "GET", Duration::from_micros(800));
        }
        for _ in 0..10 {
            recent.record(R, "GET", Duration::from_millis(40));
        }
        recent.sample(at(5));
        let t = recent.traffic(5);
        assert_eq!(t.step_seconds, 5);
        assert_eq!(t.series.len(), 1);
        let s = &t.series[0];
        assert_eq!(
            (s.route.as_str(), s.method.as_str(), s.requests),
            (R, "GET", 100)
        );
        let p = &s.points[0];
        assert_eq!(p.requests, 100);
        assert!((p.per_second - 20.0).abs() < 1e-9);
        // The median is in the 0.5–1 ms bucket, the 95th and 99th in the 25–50 ms one.
        let p50 = p.p50_ms.unwrap();
        assert!((0.5..=1.0).contains(&p50), "{p50}");
        let (p95, p99) = (p.p95_ms.unwrap(), p.p99_ms.unwrap());
        assert!(
            (25.0..=50.0).contains(&p95) && p95 < p99 && p99 <= 50.0,
            "{p95} {p99}"
        );
        assert_eq!(p.at, "2026-11-18T11:06:45Z");
    }

    #[test]
    fn quiet_steps_and_late_routes_line_up() {
        let recent = Recent::default();
        recent.sample(at(0));
        recent.record(R, "GET", Duration::from_millis(1));
        recent.sample(at(5));
        recent.sample(at(10));
        recent.record("/v1/customers/{id}", "PUT", Duration::from_secs(9));
        recent.sample(at(15));
        let t = recent.traffic(15);
        assert_eq!(t.series.len(), 2);
        for s in &t.series {
            assert_eq!(s.points.len(), 3, "{s:?}");
        }
        let put = t.series.iter().find(|s| s.method == "PUT").unwrap();
        assert_eq!(put.points[0].requests, 0);
        assert_eq!(put.points[0].p99_ms, None);
        // Beyond the last bound, the quantile is that bound.
        assert_eq!(put.points[2].p99_ms, Some(5000.0));
        let get = t.series.iter().find(|s| s.method == "GET").unwrap();
        assert_eq!(
            get.points.iter().map(|p| p.requests).collect::<Vec<_>>(),
            [1, 0, 0]
        );
    }

    #[test]
    fn the_window_is_bounded() {
        let recent = Recent::default();
        for i in 0..(SNAPSHOTS as u64 + 50) {
            recent.record(R, "GET", Duration::from_millis(1));
            recent.sample(at(i * 5));
        }
        let t = recent.traffic(60);
        assert_eq!(t.series[0].points.len(), SNAPSHOTS - 1);
        assert_eq!(recent.traffic(1).series[0].points.len(), 12);
    }

    #[test]
    fn nothing_recorded_is_an_empty_answer() {
        let recent = Recent::default();
        assert!(recent.traffic(5).series.is_empty());
        recent.sample(at(0));
        recent.sample(at(5));
        assert!(recent.traffic(5).series.is_empty());
    }
}
