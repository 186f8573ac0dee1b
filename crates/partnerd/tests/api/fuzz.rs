//! Fuzzing of the server's readers on stable Rust: the continuation token reader
//! (`PageSigner::open_token`), the JWT readers (`auth::jwt`), and the whole server over HTTP.
//!
//! - Continuation tokens and JWTs: arbitrary text, forged tokens and genuine ones with random
//!   damage never panic, are refused with the documented error, and are accepted only when
//!   they are exactly what partnerd sealed or signed; what partnerd seals or signs reads back
//!   as it was.
//! - The server: random requests (JSON-ish, XML-ish, form-ish and binary bodies under random
//!   content types on `POST /v1/customers` and `PUT …/profiles/billing`; random paths, queries
//!   and headers on `GET`) never get a 5xx or a dropped connection, and every answer that is
//!   not a 2xx is the contract's fault envelope, in JSON or XML as negotiated.
//!
//! Sizes: `PARTNERD_FUZZ_CASES` cases per property (default 256); the HTTP fuzz sends
//! `PARTNERD_FUZZ_REQUESTS` requests, by default a tenth of the cases and at least 200. A
//! failure prints the seed (`PROPTEST_RNG_SEED` replays it) and, for HTTP, the request as Rust
//! to paste into `regressions` at the end of this file. RELIABILITY.md has the details.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use partnerd::api::customers::paging::PageState;
use partnerd::auth::claims::Claims;
use partnerd::auth::jwt;
use partnerd_store::{CustomerFilter, TenantId};
use partnerd_testkit::{customer_body, TestServer};
use partnerd_wire::{decode_value, from_xml, to_xml, ApiFault};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseResult, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[path = "../../../partnerd-wire/tests/support/fuzzing.rs"]
#[allow(
    dead_code,
    reason = "tokens are short: their damage never repeats a slice"
)]
mod fuzzing;

use fuzzing::{apply, cases, Edit};

/// Requests of the HTTP fuzz: `PARTNERD_FUZZ_REQUESTS`, else a tenth of the cases, at least 200.
fn requests() -> u32 {
    std::env::var("PARTNERD_FUZZ_REQUESTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| (cases() / 10).max(200))
}

/// `cases() / divisor` cases, at least 16.
fn config(divisor: u32) -> ProptestConfig {
    fuzzing::config((cases() / divisor).max(16))
}

/// Runs a property with proptest's runner (so failures shrink), panicking with the minimal
/// failing input.
fn check<S: Strategy>(
    config: ProptestConfig,
    strategy: S,
    test: impl Fn(S::Value) -> TestCaseResult,
) {
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{e}");
    }
}

/// A runtime for the properties, which are synchronous so that proptest can shrink them.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

// ---------------------------------------------------------------------------------------------
// Inputs shared by the properties
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
const ODD: &[&str] = &[
    "", " ", "\t", "\r\n", "\0", "\u{1}", "\u{7f}", "\u{85}", "\u{2028}", "\u{202e}", "\u{feff}",
    "\u{fffe}", "\u{ffff}", "\u{10ffff}", "e\u{301}", "İ", "ΑΣ", "😀", ".", "..", "=", "+", "/",
    "%", "\\", "\"", "<", "&", "null", "{}", "[]", "-0", "1e999",
];

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..16)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        select(ODD).prop_map(str::to_owned),
        (1usize..400, select(ODD)).prop_map(|(n, s)| format!("x{s}").repeat(n)),
    ]
}

fn tenant(n: u128) -> TenantId {
    TenantId::parse(&uuid::Uuid::from_u128(n).to_string()).expect("a GUID")
}

#[rustfmt::skip]
const TOKEN_FRAGMENTS: &[&str] = &[
    ".", "..", "=", "==", "+", "/", "-", "_", " ", "\t", "\n", "A", "AA", "eyJ", "e30", "%2E",
    "\u{feff}", "\u{0}", "é",
];

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        3 => select(TOKEN_FRAGMENTS).prop_map(|f| f.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 1..6),
    ];
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::Cut),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        3 => (any::<Index>(), fragment).prop_map(|(at, f)| Edit::Insert(at, f)),
        2 => (any::<Index>(), 1usize..8).prop_map(|(at, n)| Edit::Remove(at, n)),
    ]
}

/// `text` with some damage, as text (invalid UTF-8 replaced).
fn damaged(text: String) -> impl Strategy<Value = String> {
    proptest::collection::vec(edit(), 1..5).prop_map(move |edits| {
        String::from_utf8_lossy(&apply(text.clone().into_bytes(), &edits)).into_owned()
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------------------------------------
// Continuation tokens
// ---------------------------------------------------------------------------------------------

const TOKEN_INVALID: &str = "The continuation token is not valid.";
const TOKEN_FOREIGN: &str = "The continuation token belongs to another partner.";

fn page_state() -> impl Strategy<Value = PageState> {
    let filter = prop_oneof![
        Just(None),
        odd_text().prop_map(|t| Some(CustomerFilter::CompanyNamePrefix(t))),
        odd_text().prop_map(|t| Some(CustomerFilter::DomainPrefix(t))),
        any::<u128>().prop_map(|n| Some(CustomerFilter::IndirectReseller(tenant(n)))),
        any::<u128>().prop_map(|n| Some(CustomerFilter::IndirectProvider(tenant(n)))),
    ];
    (any::<u128>(), any::<u32>(), filter, any::<i64>()).prop_map(|(p, size, filter, after)| {
        PageState {
            partner: tenant(p),
            size,
            filter,
            after,
        }
    })
}

/// What partnerd seals opens again, for its partner only, with whitespace around it.
#[test]
fn continuation_tokens_round_trip_for_their_partner_only() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start());
    let pages = s.state.pages.clone();
    let strategy = (
        page_state(),
        any::<u128>(),
        "[ \t\r\n]{0,3}",
        "[ \t\r\n]{0,3}",
    );
    check(config(1), strategy, |(state, other, before, after)| {
        let token = pages.seal(&state);
        let opened = pages
            .open_token(&token, &state.partner)
            .map_err(|e| fail(e.fault.description))?;
        prop_assert_eq!(&opened, &state);
        let padded = format!("{before}{token}{after}");
        let opened = pages
            .open_token(&padded, &state.partner)
            .map_err(|e| fail(e.fault.description))?;
        prop_assert_eq!(&opened, &state);
        let other = tenant(other);
        if other != state.partner {
            let e = pages
                .open_token(&token, &other)
                .expect_err("another partner's token");
            prop_assert_eq!((e.status.as_u16(), e.fault.code), (400, 800002));
            prop_assert_eq!(e.fault.description.as_str(), TOKEN_FOREIGN);
        }
        Ok(())
    });
    rt.block_on(async move { drop(s) });
}

/// Anything else given as a continuation token (text, forged states, damaged genuine tokens)
/// is 400/800002, never a panic and never a page.
#[test]
fn continuation_tokens_are_refused_unless_sealed_here() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start());
    let pages = s.state.pages.clone();
    let partner = s.partner.tenant();
    let genuine = pages.seal(&PageState {
        partner: partner.clone(),
        size: 2,
        filter: Some(CustomerFilter::DomainPrefix("fab".into())),
        after: 7,
    });
    let forged = (
        any::<i64>(),
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map({
            let partner = partner.clone();
            move |(after, size, mac)| {
                let state = json!({"p": partner.as_str(), "s": size, "a": after});
                format!("{}.{}", b64(state.to_string().as_bytes()), b64(&mac))
            }
        });
    let strategy = prop_oneof![
        2 => odd_text(),
        2 => "[A-Za-z0-9_\\-.= ]{0,120}",
        2 => forged,
        4 => damaged(genuine.clone()),
    ];
    check(config(1), strategy, |token| {
        match pages.open_token(&token, &partner) {
            Ok(_) => prop_assert_eq!(
                token.trim(),
                genuine.as_str(),
                "a token partnerd did not seal opened"
            ),
            Err(e) => {
                prop_assert_eq!((e.status.as_u16(), e.fault.code), (400, 800002));
                prop_assert_eq!(e.fault.description.as_str(), TOKEN_INVALID);
            }
        }
        Ok(())
    });
    rt.block_on(async move { drop(s) });
}

// ---------------------------------------------------------------------------------------------
// JWTs
// ---------------------------------------------------------------------------------------------

const JWT_ERRORS: &[&str] = &[
    "the token is not a JWT",
    "the token header is unreadable",
    "the token claims are unreadable",
    "the token algorithm ",
    "the token is signed with an unknown key",
    "the token signature is unreadable",
    "the token signature is invalid",
];

fn documented_jwt_error(e: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        JWT_ERRORS.iter().any(|known| e.starts_with(known)),
        "undocumented JWT error: {e}"
    );
    Ok(())
}

/// Claims with odd text everywhere and any times, built as JSON so that new optional claims do
/// not break the test.
fn claims() -> impl Strategy<Value = Claims> {
    (
        proptest::collection::vec(odd_text(), 8),
        (any::<i64>(), any::<i64>(), any::<i64>()),
        proptest::collection::vec(proptest::option::of(odd_text()), 5),
        proptest::option::of(proptest::collection::vec(odd_text(), 0..3)),
    )
        .prop_map(|(text, (iat, nbf, exp), optional, amr)| {
            let mut claims = json!({
                "aud": text[0], "iss": text[1], "appid": text[2], "oid": text[3], "sub": text[4],
                "tid": text[5], "uti": text[6], "ver": text[7], "iat": iat, "nbf": nbf, "exp": exp,
            });
            for (name, value) in ["appidacr", "idtyp", "scp", "upn", "unique_name"]
                .into_iter()
                .zip(optional)
            {
                if let Some(value) = value {
                    claims[name] = json!(value);
                }
            }
            if let Some(amr) = amr {
                claims["amr"] = json!(amr);
            }
            serde_json::from_value(claims).expect("claims")
        })
}

/// What partnerd signs reads back as signed through all three readers.
#[test]
fn signed_tokens_read_back_as_signed() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start());
    let key = s.state.keys.signer().expect("a signing key");
    // RSA signing is the slow part: a tenth of the cases.
    check(config(10), claims(), |claims| {
        let token = jwt::sign(&claims, &key).map_err(fail)?;
        let (kid, unverified) = jwt::decode_unverified(&token).map_err(fail)?;
        prop_assert_eq!(&kid, &key.kid);
        prop_assert_eq!(&unverified, &claims);
        prop_assert_eq!(&jwt::decode_any(&token).map_err(fail)?, &claims);
        let verified = rt
            .block_on(jwt::verify(&token, &s.state.keys))
            .map_err(fail)?;
        prop_assert_eq!(&verified, &claims);
        Ok(())
    });
    rt.block_on(async move { drop(s) });
}

/// Text, forged tokens (any algorithm, known and unknown `kid`s, random signatures) and
/// damaged genuine tokens: every reader refuses them with a documented reason, and `verify`
/// accepts nothing but the genuine token.
#[test]
fn jwt_readers_accept_only_what_partnerd_signed() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start());
    let key = s.state.keys.signer().expect("a signing key");
    let (genuine, genuine_claims) = rt.block_on(s.minted(&s.partner, false));
    let header = (
        prop_oneof![
            3 => Just("RS256".to_owned()),
            1 => select(vec!["none", "HS256", "rs256", "RS512", "", "RS256 "]).prop_map(str::to_owned),
            1 => odd_text(),
        ],
        prop_oneof![Just(Some(key.kid.clone())), Just(None), odd_text().prop_map(Some)],
    )
        .prop_map(|(alg, kid)| {
            let mut header = json!({"typ": "JWT", "alg": alg});
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            header.to_string()
        });
    let payload = prop_oneof![
        3 => claims().prop_map(|c| serde_json::to_string(&c).expect("claims")),
        1 => odd_text(),
    ];
    let signature = prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..300),
        Just(
            URL_SAFE_NO_PAD
                .decode(genuine.rsplit('.').next().expect("signature"))
                .expect("base64")
        ),
    ];
    let forged = (header, payload, signature, 3usize..5).prop_map(|(h, p, sig, parts)| {
        let mut token = format!("{}.{}.{}", b64(h.as_bytes()), b64(p.as_bytes()), b64(&sig));
        if parts == 4 {
            token.push_str(".x");
        }
        token
    });
    let strategy = prop_oneof![
        2 => odd_text(),
        1 => "[A-Za-z0-9_\\-.]{0,300}",
        4 => forged,
        4 => damaged(genuine.clone()),
    ];
    check(config(1), strategy, |token| {
        if let Err(e) = jwt::decode_any(&token) {
            documented_jwt_error(&e)?;
        }
        if let Err(e) = jwt::decode_unverified(&token) {
            documented_jwt_error(&e)?;
        }
        match rt.block_on(jwt::verify(&token, &s.state.keys)) {
            Ok(claims) => {
                prop_assert_eq!(
                    &token,
                    &genuine,
                    "verify accepted a token partnerd did not sign"
                );
                prop_assert_eq!(&claims, &genuine_claims);
            }
            Err(e) => documented_jwt_error(&e)?,
        }
        Ok(())
    });
    rt.block_on(async move { drop(s) });
}

/// Any algorithm but RS256 is refused by name before a key is looked up, whatever the rest of
/// the token holds.
#[test]
fn only_rs256_is_accepted() {
    let rt = runtime();
    let s = rt.block_on(TestServer::start());
    let strategy = (
        odd_text().prop_filter_map("RS256 itself", |alg| (alg != "RS256").then_some(alg)),
        claims(),
        proptest::collection::vec(any::<u8>(), 0..300),
    );
    check(config(1), strategy, |(alg, claims, signature)| {
        let header = json!({"typ": "JWT", "alg": alg, "kid": "k"}).to_string();
        let payload = serde_json::to_string(&claims).map_err(fail)?;
        let token = format!(
            "{}.{}.{}",
            b64(header.as_bytes()),
            b64(payload.as_bytes()),
            b64(&signature)
        );
        // An algorithm jsonwebtoken knows is refused by its name; any other name leaves the
        // header unreadable. Either way before a key is looked up.
        let refusal = jwt::decode_unverified(&token).err().unwrap_or_default();
        prop_assert!(
            refusal == format!("the token algorithm {alg} is not accepted")
                || refusal.starts_with("the token header is unreadable"),
            "{}",
            refusal
        );
        prop_assert_eq!(
            rt.block_on(jwt::verify(&token, &s.state.keys)).err(),
            Some(refusal)
        );
        // The claims themselves are readable where the algorithm is not looked at.
        prop_assert_eq!(jwt::decode_any(&token).map_err(fail)?, claims);
        Ok(())
    });
    rt.block_on(async move { drop(s) });
}

// ---------------------------------------------------------------------------------------------
// The server over HTTP
// ---------------------------------------------------------------------------------------------

/// One request of the HTTP fuzz. Paths and header values may hold placeholders, filled in when
/// the request is sent, so that a printed request replays against any server:
/// `{customer}` (a customer of the partner), `{token}` and `{app-token}` (the partner's user
/// and app tokens), `{continuation}` (a continuation token sealed for the partner).
#[derive(Debug, Clone)]
struct Probe {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Probe {
    /// The probe as Rust, to paste into `regressions`.
    fn as_rust(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| format!("({name:?}, {value:?}.into())"))
            .collect();
        let body: String = self
            .body
            .iter()
            .flat_map(|b| std::ascii::escape_default(*b))
            .map(char::from)
            .collect();
        format!(
            "Probe {{\n    method: {:?},\n    path: {:?}.into(),\n    headers: vec![{}],\n    body: b\"{body}\".to_vec(),\n}}",
            self.method,
            self.path,
            headers.join(", ")
        )
    }
}

/// A started server with a partner, its tokens, and a customer to aim at.
struct Target {
    s: TestServer,
    /// A client that opens a connection per request: the server closes a connection whose
    /// request body it did not read, and a pooled connection would race that close.
    http: reqwest::Client,
    user_token: String,
    app_token: String,
    customer: String,
}

/// What came back.
struct Answer {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Target {
    async fn start() -> Self {
        let s = TestServer::start().await;
        let user_token = s.user_token().await;
        let app_token = s.app_token().await;
        let c = s
            .create_customer(&user_token, "fuzztarget.onmicrosoft.com")
            .await;
        let customer = c["id"].as_str().expect("id").to_owned();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client");
        Self {
            s,
            http,
            user_token,
            app_token,
            customer,
        }
    }

    fn fill(&self, text: &str) -> String {
        let mut text = text
            .replace("{customer}", &self.customer)
            .replace("{token}", &self.user_token)
            .replace("{app-token}", &self.app_token);
        if text.contains("{continuation}") {
            let sealed = self.s.state.pages.seal(&PageState {
                partner: self.s.partner.tenant(),
                size: 1,
                filter: None,
                after: 0,
            });
            text = text.replace("{continuation}", &sealed);
        }
        text
    }

    /// Sends a probe; `None` when the client cannot even form the request (a URL or header
    /// it refuses), which says nothing about the server.
    async fn send(&self, probe: &Probe) -> Option<Result<Answer, String>> {
        let url =
            reqwest::Url::parse(&format!("{}{}", self.s.base, self.fill(&probe.path))).ok()?;
        let method = Method::from_bytes(probe.method.as_bytes()).ok()?;
        let mut request = self.http.request(method, url).body(probe.body.clone());
        for (name, value) in &probe.headers {
            let value = reqwest::header::HeaderValue::from_str(&self.fill(value)).ok()?;
            request = request.header(*name, value);
        }
        let request = request.build().ok()?;
        Some(match self.http.execute(request).await {
            Ok(r) => {
                let status = r.status().as_u16();
                let content_type = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                match r.bytes().await {
                    Ok(body) => Ok(Answer {
                        status,
                        content_type,
                        body: body.to_vec(),
                    }),
                    Err(e) => Err(format!("{status}, then the body broke off: {e}")),
                }
            }
            Err(e) => Err(format!("no answer: {e}")),
        })
    }

    /// Sends a probe and judges the answer.
    async fn check(&self, probe: &Probe) -> Result<bool, String> {
        match self.send(probe).await {
            None => Ok(false),
            Some(answer) => judge(probe, &answer?).map(|()| true),
        }
    }
}

/// Routes of the token service, which answer in Entra's shape rather than Partner Center's.
fn is_token_service(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    [
        "oauth2",
        ".well-known",
        "discovery",
        "devicelogin",
        "userrealm",
    ]
    .iter()
    .any(|segment| path.split('/').any(|s| s == *segment))
}

/// No 5xx; a 2xx body in JSON or XML is well-formed; anything else is the fault envelope.
fn judge(probe: &Probe, answer: &Answer) -> Result<(), String> {
    let text = String::from_utf8_lossy(&answer.body);
    if answer.status >= 500 {
        return Err(format!("answered {}: {text}", answer.status));
    }
    if is_token_service(&probe.path) {
        return Ok(());
    }
    let xml = answer.content_type.contains("xml");
    if (200..300).contains(&answer.status) {
        if answer.body.is_empty() {
            return Ok(());
        }
        if xml {
            from_xml(&answer.body)
                .map_err(|e| format!("a 2xx in XML that does not read back ({e}): {text}"))?;
        } else if answer.content_type.contains("json") {
            serde_json::from_slice::<Value>(&answer.body)
                .map_err(|e| format!("a 2xx in JSON that is not JSON ({e}): {text}"))?;
        }
        return Ok(());
    }
    let status = answer.status;
    let (code_is_number, description, data_is_array, source) = if xml {
        if !text.contains("<ApiFault") {
            return Err(format!(
                "a {status} in XML whose root is not ApiFault: {text}"
            ));
        }
        let tree = from_xml(&answer.body)
            .map_err(|e| format!("a {status} in XML that does not read ({e}): {text}"))?;
        let fault: ApiFault = decode_value(tree)
            .map_err(|e| format!("a {status} in XML that is no fault ({e}): {text}"))?;
        (true, fault.description, true, fault.source)
    } else {
        if !answer.content_type.contains("json") {
            return Err(format!(
                "a {status} answered as {:?}: {text}",
                answer.content_type
            ));
        }
        let v: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("a {status} whose body is not JSON ({e}): {text}"))?;
        (
            v["code"].is_i64(),
            v["description"].as_str().unwrap_or_default().to_owned(),
            v["data"].is_array(),
            v["source"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let envelope = code_is_number
        && !description.is_empty()
        && description.len() <= 1024
        && data_is_array
        && source == "PartnerFD";
    if envelope {
        Ok(())
    } else {
        Err(format!("a {status} that is not the fault envelope: {text}"))
    }
}

// What the probes are made of.

#[rustfmt::skip]
const SEGMENTS: &[&str] = &[
    "customers", "Customers", "{customer}", "profiles", "billing", "company", "relationships",
    "validations", "checkdomainavailability", "domains", "contoso.onmicrosoft.com", "v1", "v1.0",
    "_partnerd", "health", "ready", "requests", "faults", "openapi.json", "", ".", "..", "%2e%2e",
    "%2F", "%00", "%ZZ", "%C3%28", "%E2%80%AE", "00000000-0000-0000-0000-000000000000",
];

#[rustfmt::skip]
const KNOWN_PATHS: &[&str] = &[
    "/v1/customers", "/v1/customers/{customer}", "/v1/customers/{customer}/profiles/billing",
    "/v1/customers/{customer}/profiles/company", "/v1/customers/{customer}/relationships",
    "/v1/relationships", "/v1/validations/checkdomainavailability/contoso", "/V1.0/Customers/",
    "/v1//customers//{customer}/", "/_partnerd/health", "/_partnerd/requests",
];

#[rustfmt::skip]
const QUERY_KEYS: &[&str] = &[
    "size", "Size", "filter", "seekOperation", "SEEKOPERATION", "relationship_type", "x", "",
];

#[rustfmt::skip]
const QUERY_VALUES: &[&str] = &[
    "", "0", "1", "-1", "500", "501", "99999999999999999999", "1e3", "Next", "next", "Previous",
    "IsIndirectResellerOf", "is_indirect_cloud_solution_provider_of", "%", "%ZZ", "%FF", "+",
];

#[rustfmt::skip]
const CONTENT_TYPES: &[&str] = &[
    "application/json", "application/json; charset=utf-8", "text/json", "APPLICATION/JSON",
    "application/xml", "text/xml; charset=utf-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "text/plain", "application/octet-stream", "",
    "application/json; charset=latin1", ";", "application/json, application/xml",
];

#[rustfmt::skip]
const ACCEPTS: &[&str] = &[
    "application/json", "application/xml", "text/xml", "text/json", "*/*", "application/*",
    "text/*", "text/html", "application/xml;q=0.5, application/json", "application/json;q=0",
    "application/xml;q=NaN", "", ",,,", "application/json;q=1e999",
];

/// Printable ASCII, the text a header value can hold.
fn printable(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0x20u8..0x7f, 0..max)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect::<String>())
}

fn forged_bearer() -> impl Strategy<Value = String> {
    (
        select(vec!["RS256", "none", "HS256"]),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(alg, sig)| {
            let header = json!({"alg": alg, "kid": "x"}).to_string();
            let claims = json!({"aud": "https://api.partnercenter.microsoft.com", "iss": "x",
                "iat": 0, "nbf": 0, "exp": i64::MAX, "appid": "x", "oid": "x", "sub": "x",
                "tid": "00000000-0000-0000-0000-000000000001"})
            .to_string();
            format!(
                "Bearer {}.{}.{}",
                b64(header.as_bytes()),
                b64(claims.as_bytes()),
                b64(&sig)
            )
        })
}

/// The headers every probe may carry.
fn common_headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let authorization = prop_oneof![
        8 => Just(Some("Bearer {token}".to_owned())),
        1 => Just(Some("Bearer {app-token}".to_owned())),
        1 => Just(Some("bearer   {token}  ".to_owned())),
        1 => Just(None),
        1 => printable(40).prop_map(|t| Some(format!("Bearer {t}"))),
        1 => printable(40).prop_map(Some),
        1 => forged_bearer().prop_map(Some),
    ];
    let accept = prop_oneof![
        3 => Just(None),
        3 => select(ACCEPTS).prop_map(|a| Some(a.to_owned())),
        1 => printable(30).prop_map(Some),
    ];
    let tracking = proptest::option::of((select(vec!["MS-CorrelationId", "MS-CV"]), printable(40)));
    (authorization, accept, tracking).prop_map(|(authorization, accept, tracking)| {
        let mut headers = Vec::new();
        if let Some(a) = authorization {
            headers.push(("Authorization", a));
        }
        if let Some(a) = accept {
            headers.push(("Accept", a));
        }
        if let Some((name, value)) = tracking {
            headers.push((name, value));
        }
        headers
    })
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(SEGMENTS).prop_map(str::to_owned),
        2 => printable(16).prop_map(|s| s.replace(['/', '?', '#'], "")),
        1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        1 => odd_text().prop_map(|s| s.chars().filter(|c| !matches!(c, '/' | '?' | '#')).collect::<String>()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let random = (
        select(vec!["/v1/", "/v1.0/", "/V1/", "//v1//", "/", "/_partnerd/"]),
        proptest::collection::vec(segment(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(prefix, segments, slash)| {
            format!(
                "{prefix}{}{}",
                segments.join("/"),
                if slash { "/" } else { "" }
            )
        });
    let filter = prop_oneof![
        Just(r#"{"Field":"CompanyName","Value":"Con","Operator":"starts_with"}"#.to_owned()),
        Just(r#"{"Field":"Name","Value":"Fab","Operator":"substring"}"#.to_owned()),
        Just(r#"{"field":"IndirectReseller","value":"x","operator":"StartsWith"}"#.to_owned()),
        odd_text(),
    ]
    .prop_flat_map(|f| prop_oneof![damaged(f.clone()), Just(f)])
    .prop_map(|f| form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>());
    let value = prop_oneof![
        3 => select(QUERY_VALUES).prop_map(str::to_owned),
        2 => filter,
        1 => printable(20),
    ];
    let key = prop_oneof![
        3 => select(QUERY_KEYS).prop_map(str::to_owned),
        1 => printable(10),
    ];
    let query = proptest::collection::vec((key, value), 0..4).prop_map(|pairs| {
        if pairs.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("?{}", pairs.join("&"))
        }
    });
    let base = prop_oneof![
        2 => select(KNOWN_PATHS).prop_map(str::to_owned),
        3 => random,
    ];
    (base, query).prop_map(|(base, query)| format!("{base}{query}"))
}

/// A body in each format, valid or damaged, or none of them.
fn body(valid: Value, xml_root: &'static str) -> impl Strategy<Value = (Vec<u8>, &'static str)> {
    let json = serde_json::to_vec(&valid).expect("json");
    let xml = to_xml(xml_root, &valid).into_bytes();
    let form = to_form(&valid).into_bytes();
    let document = prop_oneof![
        Just((json, "application/json")),
        Just((xml, "application/xml")),
        Just((form, "application/x-www-form-urlencoded")),
    ];
    let edited = (document, proptest::collection::vec(edit(), 0..4))
        .prop_map(|((doc, kind), edits)| (apply(doc, &edits), kind));
    prop_oneof![
        6 => edited,
        2 => proptest::collection::vec(any::<u8>(), 0..1024).prop_map(|b| (b, "application/octet-stream")),
        1 => Just((Vec::new(), "application/json")),
    ]
}

/// A tree as a form: one `path=value` pair per leaf.
fn to_form(value: &Value) -> String {
    fn walk(value: &Value, key: &str, pairs: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if key.is_empty() {
                        k.clone()
                    } else {
                        format!("{key}.{k}")
                    };
                    walk(v, &key, pairs);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{key}[{i}]"), pairs);
                }
            }
            Value::String(s) => pairs.push(format!(
                "{key}={}",
                form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
            )),
            other => pairs.push(format!("{key}={other}")),
        }
    }
    let mut pairs = Vec::new();
    walk(value, "", &mut pairs);
    pairs.join("&")
}

/// A content type: mostly the body's own, sometimes another or none.
fn content_type(own: &'static str) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(Some(own.to_owned())),
        2 => select(CONTENT_TYPES).prop_map(|c| Some(c.to_owned())),
        1 => Just(None),
        1 => printable(30).prop_map(Some),
    ]
}

fn request_id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        2 => select(vec!["fuzz-1", "fuzz-2", "00000000-0000-0000-0000-000000000001"]).prop_map(|s| Some(s.to_owned())),
        1 => printable(40).prop_map(Some),
    ]
}

fn with_body(
    method: &'static str,
    path: impl Strategy<Value = String>,
    body: impl Strategy<Value = (Vec<u8>, &'static str)>,
    extra: impl Strategy<Value = Vec<(&'static str, String)>>,
) -> impl Strategy<Value = Probe> {
    (path, body, common_headers(), request_id(), extra).prop_flat_map(
        move |(path, (body, own), headers, id, extra)| {
            content_type(own).prop_map(move |ct| {
                let mut headers = headers.clone();
                headers.extend(extra.clone());
                if let Some(ct) = ct {
                    headers.push(("Content-Type", ct));
                }
                if let Some(id) = &id {
                    headers.push(("MS-RequestId", id.clone()));
                }
                Probe {
                    method,
                    path: path.clone(),
                    headers,
                    body: body.clone(),
                }
            })
        },
    )
}

fn create_probe() -> impl Strategy<Value = Probe> {
    let path = prop_oneof![
        4 => Just("/v1/customers".to_owned()),
        1 => select(vec!["/v1.0/Customers/", "/v1/customers?x=1", "/v1/customers/{customer}"]).prop_map(str::to_owned),
    ];
    let valid = (0u32..1_000_000).prop_flat_map(|n| {
        let mut customer = customer_body(&format!("fuzz{n}.onmicrosoft.com"));
        if n % 3 == 0 {
            customer["customDomains"] = json!([format!("fuzz{n}.example")]);
            customer["allowDelegatedAccess"] = json!(true);
        }
        body(customer, "Customer")
    });
    with_body("POST", path, valid, Just(Vec::new()))
}

fn billing_probe() -> impl Strategy<Value = Probe> {
    let path = prop_oneof![
        6 => Just("/v1/customers/{customer}/profiles/billing".to_owned()),
        1 => any::<u128>().prop_map(|n| format!("/v1/customers/{}/profiles/billing", uuid::Uuid::from_u128(n))),
        1 => segment().prop_map(|s| format!("/v1/customers/{s}/profiles/billing")),
    ];
    let mut profile = customer_body("x.onmicrosoft.com")["billingProfile"].clone();
    profile["attributes"] = json!({"etag": "-1", "objectType": "CustomerBillingProfile"});
    let if_match = prop_oneof![
        1 => Just(Vec::new()),
        3 => Just(vec![("If-Match", "*".to_owned())]),
        1 => select(vec!["\"123\"", "W/\"1\"", "\"\"", "**", "-1"]).prop_map(|m| vec![("If-Match", m.to_owned())]),
        1 => printable(24).prop_map(|m| vec![("If-Match", m)]),
    ];
    with_body(
        "PUT",
        path,
        body(profile, "CustomerBillingProfile"),
        if_match,
    )
}

fn get_probe() -> impl Strategy<Value = Probe> {
    let continuation = prop_oneof![
        4 => Just(None),
        2 => Just(Some("{continuation}".to_owned())),
        1 => printable(80).prop_map(Some),
        1 => damaged("{continuation}".to_owned()).prop_map(Some),
    ];
    (path(), common_headers(), continuation).prop_map(|(path, mut headers, continuation)| {
        if let Some(token) = continuation {
            headers.push(("MS-ContinuationToken", token));
        }
        Probe {
            method: "GET",
            path,
            headers,
            body: Vec::new(),
        }
    })
}

fn probe() -> impl Strategy<Value = Probe> {
    prop_oneof![
        3 => create_probe(),
        3 => billing_probe(),
        4 => get_probe(),
    ]
}

/// Random requests get no 5xx, no dropped connection, and the envelope on every refusal; and
/// the server still serves afterwards.
#[tokio::test]
async fn random_requests_get_no_5xx_and_every_refusal_is_the_envelope() {
    let target = Target::start().await;
    let mut runner = TestRunner::new(config(1));
    let strategy = probe();
    let n = requests();
    let mut sent = 0;
    for i in 0..n {
        let probe = strategy.new_tree(&mut runner).expect("a request").current();
        match target.check(&probe).await {
            Ok(was_sent) => sent += u32::from(was_sent),
            Err(why) => panic!(
                "request {i} of {n}: {why}\nThe request, to paste into `regressions`:\n{}",
                probe.as_rust()
            ),
        }
    }
    assert!(
        sent >= n * 9 / 10,
        "only {sent} of {n} requests could be sent"
    );
    let r = target
        .s
        .authed(
            Method::GET,
            &format!("/v1/customers/{}", target.customer),
            &target.user_token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the server no longer serves");
}

/// Requests kept as plain tests: inputs the fuzz found (paste the printed `Probe` into a test
/// that calls `replay`) and edge cases worth pinning.
mod regressions {
    use super::*;

    async fn replay(probe: Probe) -> Answer {
        let target = Target::start().await;
        let answer = target
            .send(&probe)
            .await
            .expect("the client can send it")
            .unwrap_or_else(|e| panic!("{e}"));
        judge(&probe, &answer).unwrap_or_else(|e| panic!("{e}"));
        answer
    }

    fn fault_code(answer: &Answer) -> i64 {
        serde_json::from_slice::<Value>(&answer.body).expect("JSON")["code"]
            .as_i64()
            .expect("a code")
    }

    fn create(content_type: &str, body: &[u8]) -> Probe {
        Probe {
            method: "POST",
            path: "/v1/customers".into(),
            headers: vec![
                ("Authorization", "Bearer {token}".into()),
                ("Content-Type", content_type.into()),
            ],
            body: body.to_vec(),
        }
    }

    #[tokio::test]
    async fn deep_json_is_malformed() {
        let answer = replay(create("application/json", "[".repeat(200_000).as_bytes())).await;
        assert_eq!((answer.status, fault_code(&answer)), (400, 800002));
    }

    #[tokio::test]
    async fn a_doctype_is_malformed() {
        let body = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><Customer><id>&lol2;</id></Customer>";
        let answer = replay(create("application/xml", body)).await;
        assert_eq!((answer.status, fault_code(&answer)), (400, 800002));
    }

    #[tokio::test]
    async fn invalid_utf8_in_a_form_is_malformed() {
        let answer = replay(create(
            "application/x-www-form-urlencoded",
            b"companyProfile.domain=%FF&billingProfile[a][b][c][d][e][f][g][h][i][j][k][l][m][n][o][p][q][r][s][t][u][v][w][x][y][z][0][1][2][3][4][5]=x",
        ))
        .await;
        assert_eq!((answer.status, fault_code(&answer)), (400, 800002));
    }

    #[tokio::test]
    async fn an_unknown_media_type_is_415_even_with_xml_accepted() {
        let mut probe = create("text/plain", b"\xff\xfe\x00");
        probe.headers.push(("Accept", "application/xml".into()));
        let answer = replay(probe).await;
        assert_eq!(answer.status, 415);
        assert!(
            answer.content_type.contains("xml"),
            "{}",
            answer.content_type
        );
    }

    #[tokio::test]
    async fn a_damaged_continuation_token_is_malformed() {
        let answer = replay(Probe {
            method: "GET",
            path: "/v1/customers?seekOperation=Next".into(),
            headers: vec![
                ("Authorization", "Bearer {token}".into()),
                ("MS-ContinuationToken", "{continuation}x".into()),
            ],
            body: Vec::new(),
        })
        .await;
        assert_eq!((answer.status, fault_code(&answer)), (400, 800002));
    }

    #[tokio::test]
    async fn a_forged_token_is_unauthorized() {
        let claims = b64(br#"{"aud":"x","iss":"x","iat":0,"nbf":0,"exp":9999999999,"appid":"x","oid":"x","sub":"x","tid":"x"}"#);
        let answer = replay(Probe {
            method: "GET",
            path: "/v1/customers/{customer}".into(),
            headers: vec![(
                "Authorization",
                format!("Bearer {}.{claims}.", b64(br#"{"alg":"none"}"#)),
            )],
            body: Vec::new(),
        })
        .await;
        assert_eq!(answer.status, 401);
    }
}
