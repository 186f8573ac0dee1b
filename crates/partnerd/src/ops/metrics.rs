//! Prometheus metrics through the Prometheus project's Rust client (`prometheus-client`),
//! exposed in the OpenMetrics text format, which Prometheus scrapes natively.
//!
//! Label cardinality is bounded on purpose: routes are `&'static str` patterns from the
//! router, methods are folded onto the standard set, and fault kinds are capped, so a hostile
//! client cannot grow the series by inventing methods or paths.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Methods given their own label value; anything else is counted as `OTHER`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

/// Most distinct fault kinds tracked; more are counted under `other`.
const MAX_FAULT_KINDS: usize = 32;

/// A request's series: route pattern, method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

/// A latency series: route pattern and method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
    method: &'static str,
}

/// A fault series: the effect's kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FaultLabels {
    kind: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// Process-wide counters and histograms of one node. Share it behind an `Arc`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    store: Histogram,
    throttled: Counter,
    faults: Family<FaultLabels, Counter>,
    fault_kinds: Mutex<HashSet<String>>,
    replays: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let store = latency_histogram();
        let throttled = Counter::default();
        let faults = Family::<FaultLabels, Counter>::default();
        let replays = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "partnerd_requests",
            "Requests answered, by route pattern, method and status",
            requests.clone(),
        );
        registry.register(
            "partnerd_request_duration_seconds",
            "Time to answer a request, by route pattern and method",
            durations.clone(),
        );
        registry.register(
            "partnerd_store_duration_seconds",
            "Time spent in store calls",
            store.clone(),
        );
        registry.register(
            "partnerd_throttled",
            "Requests refused by the throttle",
            throttled.clone(),
        );
        registry.register(
            "partnerd_faults",
            "Injected faults fired, by effect kind",
            faults.clone(),
        );
        registry.register(
            "partnerd_idempotent_replays",
            "Responses replayed for a repeated MS-RequestId",
            replays.clone(),
        );
        Self {
            registry,
            requests,
            durations,
            store,
            throttled,
            faults,
            fault_kinds: Mutex::default(),
            replays,
        }
    }
}

/// The label value for a method: the standard methods as themselves (upper case), else `OTHER`.
pub fn method_label(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .copied()
        .unwrap_or("OTHER")
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
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels { route, method })
            .observe(latency.as_secs_f64());
    }

    /// Observes the latency of one store call.
    pub fn record_store(&self, latency: Duration) {
        self.store.observe(latency.as_secs_f64());
    }

    /// Counts one request refused by the throttle.
    pub fn throttled(&self) {
        self.throttled.inc();
    }

    /// Counts one injected fault of the given kind (e.g. `error`, `latency`).
    pub fn fault_fired(&self, kind: &str) {
        let kind = {
            let mut known = self
                .fault_kinds
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if known.contains(kind) || known.len() < MAX_FAULT_KINDS {
                known.insert(kind.to_owned());
                kind
            } else {
                "other"
            }
        };
        self.faults
            .get_or_create(&FaultLabels {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// Counts one response replayed for a repeated `MS-RequestId`.
    pub fn idempotent_replay(&self) {
        self.replays.inc();
    }

    /// Renders every metric in the OpenMetrics text format (see [`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
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
        // One series per family: the client orders a family's series as its map does.
        m.record_request("/v1/customers", "GET", 200, Duration::from_secs(7));
        m.record_store(Duration::from_micros(400));
        m.throttled();
        m.throttled();
        m.fault_fired("error");
        m.idempotent_replay();
        let expected = r#"# HELP partnerd_requests Requests answered, by route pattern, method and status.
# TYPE partnerd_requests counter
partnerd_requests_total{route="/v1/customers",method="GET",status="200"} 2
# HELP partnerd_request_duration_seconds Time to answer a request, by route pattern and method.
# TYPE partnerd_request_duration_seconds histogram
partnerd_request_duration_seconds_sum{route="/v1/customers",method="GET"} 7.0015
partnerd_request_duration_seconds_count{route="/v1/customers",method="GET"} 2
partnerd_request_duration_seconds_bucket{le="0.0005",route="/v1/customers",method="GET"} 0
partnerd_request_duration_seconds_bucket{le="0.001",route="/v1/customers",method="GET"} 0
partnerd_request_duration_seconds_bucket{le="0.0025",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.005",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.01",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.025",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.05",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.1",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.25",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="0.5",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="1.0",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="2.5",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="5.0",route="/v1/customers",method="GET"} 1
partnerd_request_duration_seconds_bucket{le="+Inf",route="/v1/customers",method="GET"} 2
# HELP partnerd_store_duration_seconds Time spent in store calls.
# TYPE partnerd_store_duration_seconds histogram
partnerd_store_duration_seconds_sum 0.0004
partnerd_store_duration_seconds_count 1
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
partnerd_store_duration_seconds_bucket{le="1.0"} 1
partnerd_store_duration_seconds_bucket{le="2.5"} 1
partnerd_store_duration_seconds_bucket{le="5.0"} 1
partnerd_store_duration_seconds_bucket{le="+Inf"} 1
# HELP partnerd_throttled Requests refused by the throttle.
# TYPE partnerd_throttled counter
partnerd_throttled_total 2
# HELP partnerd_faults Injected faults fired, by effect kind.
# TYPE partnerd_faults counter
partnerd_faults_total{kind="error"} 1
# HELP partnerd_idempotent_replays Responses replayed for a repeated MS-RequestId.
# TYPE partnerd_idempotent_replays counter
partnerd_idempotent_replays_total 1
# EOF
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
        assert!(out.ends_with("# EOF\n"));
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
        let l2 = "route=\"/v1/customers/{id}\",method=\"GET\"}";
        assert_eq!(value(&format!("{h}_bucket{{le=\"0.001\",{l2}")), 1000);
        assert_eq!(value(&format!("{h}_bucket{{le=\"0.005\",{l2}")), 4000);
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
