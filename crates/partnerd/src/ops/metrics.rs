//! Prometheus metrics in the text exposition format 0.0.4, without a metrics crate.
//!
//! The set of series is small and known in advance, so a dependency would buy little. Every
//! series is a set of atomics; maps from label tuples to series sit behind `RwLock`s that are
//! read-locked on the hot path and write-locked only the first time a label tuple is seen.
//! Label cardinality is bounded on purpose: routes are `&'static str` patterns from the router,
//! methods are folded onto the standard set, and fault kinds are capped, so a hostile client
//! cannot grow the maps by inventing methods or paths.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the latency buckets: nanoseconds (compared exactly, no float on the hot
/// path) and the `le` label written for them.
const BUCKETS: [(u64, &str); 13] = [
    (500_000, "0.0005"),
    (1_000_000, "0.001"),
    (2_500_000, "0.0025"),
    (5_000_000, "0.005"),
    (10_000_000, "0.01"),
    (25_000_000, "0.025"),
    (50_000_000, "0.05"),
    (100_000_000, "0.1"),
    (250_000_000, "0.25"),
    (500_000_000, "0.5"),
    (1_000_000_000, "1"),
    (2_500_000_000, "2.5"),
    (5_000_000_000, "5"),
];

/// Methods given their own label value; anything else is counted as `OTHER`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

/// Most distinct fault kinds tracked; more are counted under `other`.
const MAX_FAULT_KINDS: usize = 32;

/// A latency histogram. Counts are kept per bucket (not cumulative) plus an overflow slot, and
/// `_count` is derived from them at render time, so `_bucket{le="+Inf"}` always equals
/// `_count` even while other threads are recording.
#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn observe(&self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        let slot = BUCKETS
            .iter()
            .position(|(bound, _)| nanos <= *bound)
            .unwrap_or(BUCKETS.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Writes `_bucket`, `_sum` and `_count` lines; `labels` is empty or `a="x",b="y"`.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0u64;
        for (i, (_, le)) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        cumulative += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braced = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braced} {sum}");
        let _ = writeln!(out, "{name}_count{braced} {cumulative}");
    }
}

/// Process-wide counters and histograms of one node. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: RwLock<HashMap<(&'static str, &'static str, u16), AtomicU64>>,
    durations: RwLock<HashMap<(&'static str, &'static str), Histogram>>,
    store: Histogram,
    throttled: AtomicU64,
    faults: RwLock<HashMap<String, AtomicU64>>,
    replays: AtomicU64,
}

/// Runs `f` on the series for `key`, creating it on first sight. The read lock covers the
/// common case; the write lock is taken once per new label tuple.
fn with_series<K, Q, V>(
    map: &RwLock<HashMap<K, V>>,
    key: &Q,
    make_key: impl FnOnce() -> K,
    f: impl FnOnce(&V),
) where
    K: Eq + Hash + std::borrow::Borrow<Q>,
    Q: Eq + Hash + ?Sized,
    V: Default,
{
    {
        let read = map.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(series) = read.get(key) {
            f(series);
            return;
        }
    }
    let mut write = map.write().unwrap_or_else(PoisonError::into_inner);
    f(write.entry(make_key()).or_default());
}

/// The label value for a method: the standard methods as themselves (upper case), else `OTHER`.
fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("OTHER")
}

/// Escapes a label value as the text format requires: backslash, double quote and newline.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return value.into();
    }
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.into()
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

impl Metrics {
    /// Counts one answered request and observes its latency. `route` is the router's pattern
    /// (never the raw path, which would make one series per customer id); unmatched requests
    /// should use a fixed value such as `"unmatched"`.
    pub fn record_request(
        &self,
        route: &'static str,
        method: &str,
        status: u16,
        latency: Duration,
    ) {
        let method = method_label(method);
        let key = (route, method, status);
        with_series(
            &self.requests,
            &key,
            || key,
            |c| {
                c.fetch_add(1, Ordering::Relaxed);
            },
        );
        let key = (route, method);
        with_series(&self.durations, &key, || key, |h| h.observe(latency));
    }

    /// Observes the latency of one store call.
    pub fn record_store(&self, latency: Duration) {
        self.store.observe(latency);
    }

    /// Counts one request refused by the throttle.
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one injected fault of the given kind (e.g. `error`, `latency`).
    pub fn fault_fired(&self, kind: &str) {
        let full = {
            let read = self.faults.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(c) = read.get(kind) {
                c.fetch_add(1, Ordering::Relaxed);
                return;
            }
            read.len() >= MAX_FAULT_KINDS
        };
        let kind = if full { "other" } else { kind };
        with_series(
            &self.faults,
            kind,
            || kind.to_owned(),
            |c| {
                c.fetch_add(1, Ordering::Relaxed);
            },
        );
    }

    /// Counts one response replayed for a repeated `MS-RequestId`.
    pub fn idempotent_replay(&self) {
        self.replays.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders every metric in the Prometheus text format 0.0.4 (see [`CONTENT_TYPE`]).
    /// Series are sorted by their labels so the output is stable between scrapes.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);

        header(
            &mut out,
            "partnerd_requests_total",
            "counter",
            "Requests answered, by route pattern, method and status.",
        );
        {
            let map = self.requests.read().unwrap_or_else(PoisonError::into_inner);
            let mut rows: Vec<_> = map
                .iter()
                .map(|(k, v)| (*k, v.load(Ordering::Relaxed)))
                .collect();
            drop(map);
            rows.sort_unstable_by_key(|(k, _)| *k);
            for ((route, method, status), n) in rows {
                let _ = writeln!(
                    out,
                    "partnerd_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }

        let name = "partnerd_request_duration_seconds";
        header(
            &mut out,
            name,
            "histogram",
            "Time to answer a request, by route pattern and method.",
        );
        {
            let map = self
                .durations
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let mut keys: Vec<_> = map.keys().copied().collect();
            keys.sort_unstable();
            for key in keys {
                let labels = format!("route=\"{}\",method=\"{}\"", escape(key.0), key.1);
                map[&key].render(&mut out, name, &labels);
            }
        }

        let name = "partnerd_store_duration_seconds";
        header(&mut out, name, "histogram", "Time spent in store calls.");
        self.store.render(&mut out, name, "");

        let name = "partnerd_throttled_total";
        header(
            &mut out,
            name,
            "counter",
            "Requests refused by the throttle.",
        );
        let _ = writeln!(out, "{name} {}", self.throttled.load(Ordering::Relaxed));

        let name = "partnerd_faults_total";
        header(
            &mut out,
            name,
            "counter",
            "Injected faults fired, by effect kind.",
        );
        {
            let map = self.faults.read().unwrap_or_else(PoisonError::into_inner);
            let mut rows: Vec<_> = map
                .iter()
                .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
                .collect();
            drop(map);
            rows.sort_unstable();
            for (kind, n) in rows {
                let _ = writeln!(out, "{name}{{kind=\"{}\"}} {n}", escape(&kind));
            }
        }

        let name = "partnerd_idempotent_replays_total";
        header(
            &mut out,
            name,
            "counter",
            "Responses replayed for a repeated MS-RequestId.",
        );
        let _ = writeln!(out, "{name} {}", self.replays.load(Ordering::Relaxed));

        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn renders_a_small_example_exactly() {
        let m = Metrics::default();
        m.record_request("/v1/customers", "get", 200, Duration::from_micros(1500));
        m.record_request("/v1/customers", "GET", 404, Duration::from_secs(7));
        m.record_store(Duration::from_micros(400));
        m.throttled();
        m.throttled();
        m.fault_fired("error");
        m.idempotent_replay();
        let expected = r#"# HELP partnerd_requests_total Requests answered, by route pattern, method and status.
# TYPE partnerd_requests_total counter
partnerd_requests_total{route="/v1/customers",method="GET",status="200"} 1
partnerd_requests_total{route="/v1/customers",method="GET",status="404"} 1
# HELP partnerd_request_duration_seconds Time to answer a request, by route pattern and method.
# TYPE partnerd_request_duration_seconds histogram
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.0005"} 0
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.001"} 0
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.0025"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.005"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.01"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.025"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.05"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.1"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.25"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="0.5"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="1"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="2.5"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="5"} 1
partnerd_request_duration_seconds_bucket{route="/v1/customers",method="GET",le="+Inf"} 2
partnerd_request_duration_seconds_sum{route="/v1/customers",method="GET"} 7.0015
partnerd_request_duration_seconds_count{route="/v1/customers",method="GET"} 2
# HELP partnerd_store_duration_seconds Time spent in store calls.
# TYPE partnerd_store_duration_seconds histogram
partnerd_store_duration_seconds_bucket{le="0.0005"} 1
partnerd_store_duration_seconds_bucket{le="0.001"} 1
partnerd_store_duration_seconds_bucket{le="0.0025"} 1
partnerd_store_duration_seconds_bucket{le="0.005"} 1
partnerd_store_duration_seconds_bucket{le="0.01"} 1
partnerd_store_duration_seconds_bucket{le="0.025"} 1
partnerd_store_duration_seconds_bucket{le="0.05"} 1
partnerd_store_duration_seconds_bucket{le="0.1"} 1
partnerd_store_duration_seconds_bucket{le="0.25"} 1
partnerd_store_duration_seconds_bucket{le="0.5"} 1
partnerd_store_duration_seconds_bucket{le="1"} 1
partnerd_store_duration_seconds_bucket{le="2.5"} 1
partnerd_store_duration_seconds_bucket{le="5"} 1
partnerd_store_duration_seconds_bucket{le="+Inf"} 1
partnerd_store_duration_seconds_sum 0.0004
partnerd_store_duration_seconds_count 1
# HELP partnerd_throttled_total Requests refused by the throttle.
# TYPE partnerd_throttled_total counter
partnerd_throttled_total 2
# HELP partnerd_faults_total Injected faults fired, by effect kind.
# TYPE partnerd_faults_total counter
partnerd_faults_total{kind="error"} 1
# HELP partnerd_idempotent_replays_total Responses replayed for a repeated MS-RequestId.
# TYPE partnerd_idempotent_replays_total counter
partnerd_idempotent_replays_total 1
"#;
        assert_eq!(m.render(), expected);
    }

    #[test]
    fn bucket_bounds_are_inclusive() {
        let m = Metrics::default();
        m.record_store(ms(1));
        let out = m.render();
        assert!(out.contains("partnerd_store_duration_seconds_bucket{le=\"0.0005\"} 0\n"));
        assert!(out.contains("partnerd_store_duration_seconds_bucket{le=\"0.001\"} 1\n"));
    }

    #[test]
    fn label_values_are_escaped_and_methods_folded() {
        let m = Metrics::default();
        m.record_request("/a\"b\\c\nd", "BREW", 418, ms(1));
        m.fault_fired("x\"y");
        let out = m.render();
        assert!(out.contains(
            "partnerd_requests_total{route=\"/a\\\"b\\\\c\\nd\",method=\"OTHER\",status=\"418\"} 1\n"
        ));
        assert!(out.contains("partnerd_faults_total{kind=\"x\\\"y\"} 1\n"));
        // Every line is a comment or a sample: no raw newline leaked from a label.
        for line in out.lines() {
            assert!(
                line.starts_with('#') || line.starts_with("partnerd_"),
                "{line}"
            );
        }
    }

    #[test]
    fn fault_kinds_are_capped() {
        let m = Metrics::default();
        for i in 0..MAX_FAULT_KINDS + 5 {
            m.fault_fired(&format!("k{i:03}"));
        }
        let out = m.render();
        assert!(out.contains("partnerd_faults_total{kind=\"other\"} 5\n"));
        assert_eq!(
            out.matches("partnerd_faults_total{").count(),
            MAX_FAULT_KINDS + 1
        );
    }

    #[test]
    fn concurrent_recording_adds_up() {
        let m = Arc::new(Metrics::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for i in 0..1000u64 {
                        let status = if i % 2 == 0 { 200 } else { 500 };
                        m.record_request("/v1/customers/{id}", "GET", status, ms(t + 1));
                        m.record_store(ms(1));
                        m.throttled();
                        m.fault_fired("latency");
                        m.idempotent_replay();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let out = m.render();
        let value = |prefix: &str| -> u64 {
            let line = out
                .lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix}"));
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        let r = "partnerd_requests_total{route=\"/v1/customers/{id}\",method=\"GET\",status=";
        assert_eq!(value(&format!("{r}\"200\"}}")), 2000);
        assert_eq!(value(&format!("{r}\"500\"}}")), 2000);
        let h = "partnerd_request_duration_seconds";
        let l = "{route=\"/v1/customers/{id}\",method=\"GET\"";
        assert_eq!(value(&format!("{h}_count{l}}}")), 4000);
        assert_eq!(value(&format!("{h}_bucket{l},le=\"0.001\"}}")), 1000);
        assert_eq!(value(&format!("{h}_bucket{l},le=\"0.005\"}}")), 4000);
        assert_eq!(value("partnerd_store_duration_seconds_count"), 4000);
        assert_eq!(value("partnerd_throttled_total"), 4000);
        assert_eq!(value("partnerd_faults_total{kind=\"latency\"}"), 4000);
        assert_eq!(value("partnerd_idempotent_replays_total"), 4000);
        let sum_line = out
            .lines()
            .find(|l| l.starts_with(&format!("{h}_sum")))
            .unwrap();
        let sum: f64 = sum_line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((sum - 10.0).abs() < 1e-9, "{sum}");
    }
}
