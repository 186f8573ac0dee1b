//! Fault injection: rules that make matching requests fail, slow down, or lose their
//! connection after the write committed, so clients' retry paths can be exercised.
//!
//! A rule matches by method, route pattern and optionally partner, and fires by a trigger:
//! every Nth matching request, or with a probability drawn from the rule's own seeded
//! generator. Each rule's trigger advances on every request that matches it (whether or not an
//! earlier rule fired), so a rule's decisions depend only on the sequence of requests matching
//! it: the same run replays the same faults, and adding or removing another rule does not
//! shift them. The first rule (in insertion order) that fires wins.
//!
//! The generator is SplitMix64 rather than `rand`'s `StdRng`, whose algorithm may change
//! between `rand` versions: a seed recorded today must replay the same faults after an
//! upgrade. Its state is one atomic, so deciding never takes a lock beyond the rule list's
//! read lock, and with no rules at all `decide` is a single atomic load.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use serde::{Deserialize, Serialize};

/// Most rules held at once; `decide` walks them all, so this bounds its cost.
const MAX_RULES: usize = 256;

/// Longest added latency, in milliseconds: above the 100 s default timeout of .NET's
/// `HttpClient`, so client timeouts can be provoked, but bounded.
const MAX_LATENCY_MS: u64 = 300_000;

/// Seed of a probability rule that gives none, so runs without a seed replay too.
const DEFAULT_SEED: u64 = 0;

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// What a fired rule does to the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Effect {
    /// Answer with this status and a Partner Center error body, without running the handler.
    Error {
        /// HTTP status, 400..=599.
        status: u16,
        /// The error body's `code`.
        code: i64,
        /// The error body's `description`; a generic one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// Delay the request by this many milliseconds, then run it normally.
    Latency {
        /// Added delay, 1..=300000.
        ms: u64,
    },
    /// Run the request, commit its write, then drop the connection without a response.
    DropAfterCommit,
}

impl Effect {
    /// The `kind` tag (`error`, `latency`, `dropAfterCommit`), e.g. for a metrics label.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::Error { .. } => "error",
            Effect::Latency { .. } => "latency",
            Effect::DropAfterCommit => "dropAfterCommit",
        }
    }
}

/// One fault rule, as the control plane accepts and lists it (camelCase JSON):
///
/// ```json
/// {"method": "POST", "route": "/v1/customers/*/profiles/billing", "partner": null,
///  "effect": {"kind": "error", "status": 503, "code": 990006},
///  "probability": 0.25, "seed": 42}
/// ```
///
/// `route` is matched segment by segment, case-insensitively, ignoring empty segments and the
/// query string: `*` matches exactly one segment, `**` (last segment only) matches any rest,
/// including nothing. Exactly one of `probability` and `everyNth` must be given; `seed` only
/// affects `probability` (default seed 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Assigned by [`Faults::add`] (`f1`, `f2`, …); ignored on input.
    #[serde(default)]
    pub id: String,
    /// HTTP method, case-insensitive; absent (or `*`) for any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path pattern, e.g. `/v1/customers/*` or `/v1/**`.
    pub route: String,
    /// Partner tenant id, case-insensitive; absent for any caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// What happens when the rule fires.
    pub effect: Effect,
    /// Chance of firing per matching request, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fire on the Nth, 2Nth, … matching request (N ≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_nth: Option<u64>,
    /// Seed of the rule's generator for `probability`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Checks a rule as [`Faults::add`] would, without adding it.
pub fn check_rule(rule: &FaultRule) -> Result<(), String> {
    prepare(rule.clone()).map(|_| ())
}

/// A compiled route pattern segment.
#[derive(Debug)]
enum Segment {
    Literal(Box<str>),
    One,
    Rest,
}

#[derive(Debug, Clone, Copy)]
enum Trigger {
    EveryNth(u64),
    Probability(f64),
}

/// A validated rule with its compiled pattern and trigger state.
#[derive(Debug)]
struct Active {
    rule: FaultRule,
    pattern: Vec<Segment>,
    trigger: Trigger,
    /// Matching requests seen (every Nth) or the generator's state (probability).
    state: AtomicU64,
}

impl Active {
    fn matches(&self, method: &str, path: &str, partner: Option<&str>) -> bool {
        if let Some(m) = &self.rule.method {
            if !m.eq_ignore_ascii_case(method) {
                return false;
            }
        }
        if let Some(p) = &self.rule.partner {
            if !partner.is_some_and(|q| p.eq_ignore_ascii_case(q.trim())) {
                return false;
            }
        }
        route_matches(&self.pattern, path)
    }

    /// Advances the trigger by one matching request and says whether it fires.
    fn advance(&self) -> bool {
        match self.trigger {
            Trigger::EveryNth(n) => {
                let seen = self.state.fetch_add(1, Ordering::Relaxed) + 1;
                // Fires on the Nth, 2Nth, … match. (Not `is_multiple_of`: that needs Rust
                // 1.87 and the workspace's rust-version is 1.85.)
                let rem = seen % n;
                rem == 0
            }
            Trigger::Probability(p) => {
                let x = self
                    .state
                    .fetch_add(GOLDEN, Ordering::Relaxed)
                    .wrapping_add(GOLDEN);
                // 53 random bits as a uniform float in [0, 1): p = 1 always fires, 0 never.
                let unit = (splitmix_mix(x) >> 11) as f64 / (1u64 << 53) as f64;
                unit < p
            }
        }
    }
}

/// SplitMix64's output function.
fn splitmix_mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn route_matches(pattern: &[Segment], path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    for want in pattern {
        match want {
            Segment::Rest => return true,
            Segment::One => {
                if segments.next().is_none() {
                    return false;
                }
            }
            Segment::Literal(lit) => match segments.next() {
                Some(s) if s.eq_ignore_ascii_case(lit) => {}
                _ => return false,
            },
        }
    }
    segments.next().is_none()
}

fn compile_route(route: &str) -> Result<Vec<Segment>, String> {
    if !route.starts_with('/') {
        return Err("route must start with '/'".into());
    }
    if route.len() > 1024 {
        return Err("route is longer than 1024 characters".into());
    }
    let parts: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let mut pattern = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        pattern.push(match *part {
            "**" if i + 1 == parts.len() => Segment::Rest,
            "**" => return Err("'**' is allowed only as the last route segment".into()),
            "*" => Segment::One,
            p if p.contains('*') => {
                return Err(format!(
                    "route segment '{p}': a wildcard must be a whole segment ('*' or '**')"
                ))
            }
            p => Segment::Literal(p.into()),
        });
    }
    Ok(pattern)
}

/// Validates and normalises a rule (method upper-cased, `*` method and blank strings
/// removed) and compiles it. The id is left for the caller to assign.
fn prepare(mut rule: FaultRule) -> Result<Active, String> {
    rule.route = rule.route.trim().to_owned();
    if rule.route.is_empty() {
        return Err("route must not be empty".into());
    }
    let pattern = compile_route(&rule.route)?;
    rule.method = match rule.method.as_deref().map(str::trim) {
        None | Some("*") => None,
        Some(m) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Some(m.to_ascii_uppercase())
        }
        Some(m) => return Err(format!("method '{m}' is not an HTTP method")),
    };
    rule.partner = match rule.partner.as_deref().map(str::trim) {
        None => None,
        Some("") => return Err("partner must not be empty; omit it to match any".into()),
        Some(p) => Some(p.to_owned()),
    };
    match &rule.effect {
        Effect::Error {
            status,
            description,
            ..
        } => {
            if !(400..=599).contains(status) {
                return Err(format!("effect status {status} is not in 400..=599"));
            }
            if let Some(d) = description {
                if d.trim().is_empty() || d.chars().count() > 1024 {
                    return Err("effect description must be 1 to 1024 characters".into());
                }
            }
        }
        Effect::Latency { ms } => {
            if !(1..=MAX_LATENCY_MS).contains(ms) {
                return Err(format!("effect ms {ms} is not in 1..={MAX_LATENCY_MS}"));
            }
        }
        Effect::DropAfterCommit => {}
    }
    let (trigger, state) = match (rule.probability, rule.every_nth) {
        (Some(p), None) if p.is_finite() && (0.0..=1.0).contains(&p) => {
            (Trigger::Probability(p), rule.seed.unwrap_or(DEFAULT_SEED))
        }
        (Some(p), None) => return Err(format!("probability {p} is not in 0..=1")),
        (None, Some(0)) => return Err("everyNth must be at least 1".into()),
        (None, Some(n)) => (Trigger::EveryNth(n), 0),
        _ => return Err("give exactly one of probability and everyNth".into()),
    };
    Ok(Active {
        rule,
        pattern,
        trigger,
        state: AtomicU64::new(state),
    })
}

/// The active fault rules of one node. Share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Faults {
    /// Whether any rule exists: the hot path's only cost when fault injection is unused.
    armed: AtomicBool,
    next_id: AtomicU64,
    rules: RwLock<Vec<Active>>,
}

impl Faults {
    /// Whether any rule exists (one atomic load).
    pub fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// Validates a rule and appends it (last in priority), returning it as stored: with its
    /// new id and normalised fields. Any `id` given is replaced.
    pub fn add(&self, rule: FaultRule) -> Result<FaultRule, String> {
        let mut active = prepare(rule)?;
        let mut rules = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        if rules.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules may be active"));
        }
        active.rule.id = self.new_id();
        let stored = active.rule.clone();
        rules.push(active);
        self.armed.store(true, Ordering::Release);
        Ok(stored)
    }

    /// The rules in priority order.
    pub fn list(&self) -> Vec<FaultRule> {
        let rules = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        rules.iter().map(|a| a.rule.clone()).collect()
    }

    /// Removes the rule with this id (case-insensitive); false if there was none.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        let before = rules.len();
        rules.retain(|a| !a.rule.id.eq_ignore_ascii_case(id.trim()));
        self.armed.store(!rules.is_empty(), Ordering::Release);
        rules.len() != before
    }

    /// Removes every rule. Ids are not reused afterwards, so a stale id never hits a new rule.
    pub fn clear(&self) {
        let mut rules = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        rules.clear();
        self.armed.store(false, Ordering::Release);
    }

    /// Appends the rules of a JSON file, all or nothing, and returns how many were added.
    ///
    /// The file holds either `{"rules": [rule, …]}` or a bare `[rule, …]`, each rule as in
    /// [`FaultRule`] (ids in the file are ignored). Errors name the offending rule by index.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<usize, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let items = match doc {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut map) => match map.remove("rules") {
                Some(serde_json::Value::Array(items)) if map.is_empty() => items,
                _ => return Err(r#"expected {"rules": [...]} or a JSON array of rules"#.into()),
            },
            _ => return Err(r#"expected {"rules": [...]} or a JSON array of rules"#.into()),
        };
        let prepared = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value::<FaultRule>(item)
                    .map_err(|e| e.to_string())
                    .and_then(prepare)
                    .map_err(|e| format!("rule {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let count = prepared.len();
        let mut rules = self.rules.write().unwrap_or_else(PoisonError::into_inner);
        if rules.len() + count > MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules may be active"));
        }
        for mut active in prepared {
            active.rule.id = self.new_id();
            rules.push(active);
        }
        self.armed.store(!rules.is_empty(), Ordering::Release);
        Ok(count)
    }

    /// The fault for a request, if any: the id and effect of the first rule (in priority
    /// order) that matches and whose trigger fires. Every matching rule's trigger advances.
    /// `path` may carry a query string; `partner` is the caller's tenant id once known.
    pub fn decide(
        &self,
        method: &str,
        path: &str,
        partner: Option<&str>,
    ) -> Option<(String, Effect)> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let rules = self.rules.read().unwrap_or_else(PoisonError::into_inner);
        let mut fired: Option<&Active> = None;
        for active in rules.iter() {
            if active.matches(method, path, partner) && active.advance() && fired.is_none() {
                fired = Some(active);
            }
        }
        fired.map(|a| (a.rule.id.clone(), a.rule.effect.clone()))
    }

    fn new_id(&self) -> String {
        format!("f{}", self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const P1: &str = "0f4c3b6a-1111-4d6e-9d2e-000000000001";

    fn rule(route: &str) -> FaultRule {
        FaultRule {
            id: String::new(),
            method: None,
            route: route.into(),
            partner: None,
            effect: Effect::Error {
                status: 503,
                code: 990006,
                description: None,
            },
            probability: None,
            every_nth: Some(1),
            seed: None,
        }
    }

    fn fires(f: &Faults, method: &str, path: &str) -> bool {
        f.decide(method, path, None).is_some()
    }

    #[test]
    fn route_patterns() {
        let p = compile_route("/v1/customers/*/profiles/billing").unwrap();
        assert!(route_matches(&p, "/v1/customers/abc/profiles/billing"));
        assert!(route_matches(&p, "/V1/Customers/ABC/Profiles/BILLING/"));
        assert!(route_matches(&p, "/v1/customers/abc/profiles/billing?x=1"));
        assert!(!route_matches(&p, "/v1/customers/abc/profiles/company"));
        assert!(!route_matches(&p, "/v1/customers/profiles/billing"));
        assert!(!route_matches(&p, "/v1/customers/a/b/profiles/billing"));
        assert!(!route_matches(&p, "/v1/customers/abc/profiles/billing/x"));

        let rest = compile_route("/v1/customers/**").unwrap();
        assert!(route_matches(&rest, "/v1/customers"));
        assert!(route_matches(&rest, "/v1/customers/a/b/c"));
        assert!(!route_matches(&rest, "/v1/relationships"));

        let exact = compile_route("/v1/customers").unwrap();
        assert!(route_matches(&exact, "/v1/customers"));
        assert!(!route_matches(&exact, "/v1/customers/x"));

        let all = compile_route("/**").unwrap();
        assert!(route_matches(&all, "/"));
        assert!(route_matches(&all, "/anything/at/all"));

        assert!(compile_route("/v1/cust*").is_err());
        assert!(compile_route("/v1/**/x").is_err());
        assert!(compile_route("v1/customers").is_err());
    }

    #[test]
    fn method_and_partner_filtering() {
        let f = Faults::default();
        f.add(FaultRule {
            method: Some("post".into()),
            partner: Some(P1.to_uppercase()),
            ..rule("/v1/customers")
        })
        .unwrap();
        assert!(f.decide("POST", "/v1/customers", Some(P1)).is_some());
        assert!(f.decide("Post", "/v1/customers", Some(P1)).is_some());
        assert!(f.decide("GET", "/v1/customers", Some(P1)).is_none());
        assert!(f.decide("POST", "/v1/customers", None).is_none());
        assert!(f
            .decide("POST", "/v1/customers", Some("another-tenant"))
            .is_none());

        let any = Faults::default();
        any.add(FaultRule {
            method: Some("*".into()),
            ..rule("/v1/customers")
        })
        .unwrap();
        assert!(fires(&any, "DELETE", "/v1/customers"));
        assert_eq!(any.list()[0].method, None);
    }

    #[test]
    fn every_nth_fires_at_exact_positions() {
        let f = Faults::default();
        f.add(FaultRule {
            every_nth: Some(3),
            ..rule("/v1/customers/*")
        })
        .unwrap();
        let mut positions = Vec::new();
        for i in 1..=10 {
            // Non-matching requests in between do not advance the count.
            assert!(!fires(&f, "GET", "/v1/relationships"));
            if fires(&f, "GET", "/v1/customers/x") {
                positions.push(i);
            }
        }
        assert_eq!(positions, [3, 6, 9]);
    }

    #[test]
    fn every_nth_is_exact_under_concurrency() {
        let f = std::sync::Arc::new(Faults::default());
        f.add(FaultRule {
            every_nth: Some(4),
            ..rule("/**")
        })
        .unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let f = f.clone();
                std::thread::spawn(move || (0..250).filter(|_| fires(&f, "GET", "/x")).count())
            })
            .collect();
        let fired: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(fired, 250);
    }

    #[test]
    fn probability_replays_with_the_same_seed() {
        let run = |seed: Option<u64>| {
            let f = Faults::default();
            f.add(FaultRule {
                every_nth: None,
                probability: Some(0.3),
                seed,
                ..rule("/v1/**")
            })
            .unwrap();
            (0..1000)
                .map(|i| {
                    // Interleaved non-matching requests must not disturb the sequence.
                    if i % 7 == 0 {
                        f.decide("GET", "/other", None);
                    }
                    fires(&f, "GET", "/v1/customers")
                })
                .collect::<Vec<bool>>()
        };
        let a = run(Some(42));
        assert_eq!(a, run(Some(42)));
        assert_ne!(a, run(Some(43)));
        assert_eq!(run(None), run(Some(DEFAULT_SEED)));
        let hits = a.iter().filter(|&&b| b).count();
        assert!((230..370).contains(&hits), "{hits}");

        for (p, expected) in [(0.0, 0), (1.0, 200)] {
            let f = Faults::default();
            f.add(FaultRule {
                every_nth: None,
                probability: Some(p),
                ..rule("/**")
            })
            .unwrap();
            let n = (0..200).filter(|_| fires(&f, "GET", "/x")).count();
            assert_eq!(n, expected, "p = {p}");
        }
    }

    #[test]
    fn first_firing_rule_wins_and_all_matching_rules_advance() {
        let f = Faults::default();
        let a = f
            .add(FaultRule {
                every_nth: Some(2),
                ..rule("/v1/**")
            })
            .unwrap();
        let b = f
            .add(FaultRule {
                every_nth: Some(3),
                effect: Effect::Latency { ms: 10 },
                ..rule("/v1/customers")
            })
            .unwrap();
        let seq: Vec<Option<String>> = (0..6)
            .map(|_| f.decide("GET", "/v1/customers", None).map(|(id, _)| id))
            .collect();
        let (a, b) = (Some(a.id), Some(b.id));
        // Request 3 is rule b's 3rd match; request 6 is both rules' turn and a comes first.
        assert_eq!(seq, [None, a.clone(), b, a.clone(), None, a]);
    }

    #[test]
    fn add_list_remove_clear() {
        let f = Faults::default();
        assert!(f.decide("GET", "/x", None).is_none());
        let r1 = f
            .add(FaultRule {
                id: "mine".into(),
                method: Some(" get ".into()),
                ..rule(" /x ")
            })
            .unwrap();
        assert_eq!(r1.id, "f1");
        assert_eq!(r1.method.as_deref(), Some("GET"));
        assert_eq!(r1.route, "/x");
        let r2 = f.add(rule("/y")).unwrap();
        assert_eq!(r2.id, "f2");
        assert_eq!(f.list(), vec![r1.clone(), r2.clone()]);
        assert_eq!(
            f.decide("GET", "/x", None),
            Some(("f1".into(), r1.effect.clone()))
        );
        assert!(f.remove("F1"));
        assert!(!f.remove("f1"));
        assert!(f.decide("GET", "/x", None).is_none());
        f.clear();
        assert!(f.list().is_empty());
        assert!(!f.armed.load(Ordering::Relaxed));
        assert_eq!(f.add(rule("/z")).unwrap().id, "f3");
    }

    #[test]
    fn validation_errors() {
        let f = Faults::default();
        let bad = |r: FaultRule| f.add(r).unwrap_err();
        let err = |status| FaultRule {
            effect: Effect::Error {
                status,
                code: 1,
                description: None,
            },
            ..rule("/x")
        };
        assert!(bad(err(200)).contains("400..=599"));
        assert!(bad(err(600)).contains("400..=599"));
        assert!(f.add(err(400)).is_ok() && f.add(err(599)).is_ok());
        assert!(bad(rule("")).contains("empty"));
        assert!(bad(rule("   ")).contains("empty"));
        assert!(bad(FaultRule {
            probability: Some(1.5),
            every_nth: None,
            ..rule("/x")
        })
        .contains("probability"));
        assert!(bad(FaultRule {
            probability: Some(f64::NAN),
            every_nth: None,
            ..rule("/x")
        })
        .contains("probability"));
        assert!(bad(FaultRule {
            probability: Some(0.5),
            ..rule("/x")
        })
        .contains("exactly one"));
        assert!(bad(FaultRule {
            every_nth: None,
            ..rule("/x")
        })
        .contains("exactly one"));
        assert!(bad(FaultRule {
            every_nth: Some(0),
            ..rule("/x")
        })
        .contains("at least 1"));
        assert!(bad(FaultRule {
            effect: Effect::Latency { ms: 0 },
            ..rule("/x")
        })
        .contains("ms"));
        assert!(bad(FaultRule {
            effect: Effect::Error {
                status: 500,
                code: 1,
                description: Some(" ".into())
            },
            ..rule("/x")
        })
        .contains("description"));
        assert!(bad(FaultRule {
            method: Some("GE T".into()),
            ..rule("/x")
        })
        .contains("method"));
        assert!(bad(FaultRule {
            partner: Some("".into()),
            ..rule("/x")
        })
        .contains("partner"));
        assert_eq!(f.list().len(), 2);
    }

    #[test]
    fn json_shape() {
        let r: FaultRule = serde_json::from_str(
            r#"{"method":"POST","route":"/v1/customers","effect":{"kind":"dropAfterCommit"},"everyNth":2}"#,
        )
        .unwrap();
        assert_eq!(r.effect, Effect::DropAfterCommit);
        assert_eq!(r.every_nth, Some(2));
        let stored = Faults::default().add(r).unwrap();
        assert_eq!(
            serde_json::to_string(&stored).unwrap(),
            r#"{"id":"f1","method":"POST","route":"/v1/customers","effect":{"kind":"dropAfterCommit"},"everyNth":2}"#
        );
        let e: Effect =
            serde_json::from_str(r#"{"kind":"error","status":503,"code":990006}"#).unwrap();
        assert_eq!(e.kind(), "error");
        assert_eq!(
            serde_json::to_string(&Effect::Latency { ms: 5 }).unwrap(),
            r#"{"kind":"latency","ms":5}"#
        );
        // Typos are rejected rather than silently widening a rule.
        assert!(serde_json::from_str::<FaultRule>(
            r#"{"route":"/x","partnr":"p","effect":{"kind":"latency","ms":1},"everyNth":1}"#
        )
        .is_err());
        assert!(serde_json::from_str::<Effect>(r#"{"kind":"latency","ms":1,"sec":2}"#).is_err());
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn load_file_both_shapes() {
        let rule_json =
            r#"{"route":"/v1/customers","effect":{"kind":"latency","ms":50},"everyNth":1}"#;
        let f = Faults::default();
        let wrapped = file(&format!(r#"{{"rules":[{rule_json},{rule_json}]}}"#));
        assert_eq!(f.load_file(wrapped.path()), Ok(2));
        let bare = file(&format!("[{rule_json}]"));
        assert_eq!(f.load_file(bare.path()), Ok(1));
        let ids: Vec<String> = f.list().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["f1", "f2", "f3"]);
        assert_eq!(
            f.decide("GET", "/v1/customers", None),
            Some(("f1".into(), Effect::Latency { ms: 50 }))
        );

        // All or nothing: one bad rule adds none, and the error names it.
        let mixed = file(&format!(
            r#"[{rule_json},{{"route":"/x","effect":{{"kind":"error","status":200,"code":1}},"everyNth":1}}]"#
        ));
        let e = f.load_file(mixed.path()).unwrap_err();
        assert!(e.starts_with("rule 1:"), "{e}");
        assert_eq!(f.list().len(), 3);

        assert!(f.load_file(file(r#"{"rule":[]}"#).path()).is_err());
        assert!(f.load_file(file("not json").path()).is_err());
        assert!(f.load_file("/nonexistent/faults.json").is_err());
        let empty = Faults::default();
        assert_eq!(empty.load_file(file("[]").path()), Ok(0));
        assert!(!empty.armed.load(Ordering::Relaxed));
    }
}
