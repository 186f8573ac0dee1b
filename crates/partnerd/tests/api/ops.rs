//! Operability: health, readiness, metrics, the request journal, throttling, fault injection,
//! partner reset, and the admin token.

use std::time::{Duration, Instant};

use partnerd::config::Settings;
use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn health_ready_and_metrics() {
    let s = TestServer::start().await;
    for path in ["/_partnerd/health", "/_partnerd/ready"] {
        let r = s.request(Method::GET, path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path} needs no token");
    }
    let t = s.app_token().await;
    s.authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    s.authed(Method::GET, "/v1/customers/not-a-guid", &t)
        .send()
        .await
        .unwrap();
    assert_fault(
        s.request(Method::GET, "/_partnerd/metrics")
            .send()
            .await
            .unwrap(),
        401,
        800001,
    )
    .await;
    assert_fault(
        s.request(Method::GET, "/_partnerd/metrics")
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap(),
        401,
        800001,
    )
    .await;
    let r = s
        .admin(Method::GET, "/_partnerd/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = r.text().await.unwrap();
    assert!(text.contains("# TYPE partnerd_requests counter"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(
        text.contains(
            r#"partnerd_requests_total{route="/v1/customers",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/v1/customers/{id}",method="GET",status="400""#),
        "{text}"
    );
    assert!(
        text.contains("partnerd_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn the_journal_keeps_redacted_exchanges() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let correlation = uuid::Uuid::new_v4().to_string();
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .header("MS-CorrelationId", &correlation)
        .json(&customer_body("journaled.onmicrosoft.com"))
        .send()
        .await
        .unwrap();
    let (_, created) = status_json(r).await;
    let password = created["userCredentials"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = &s.partner;
    s.request(Method::POST, &format!("/{}/oauth2/token", p.tenant_id))
        .header("MS-CorrelationId", &correlation)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let r = s
        .admin(
            Method::GET,
            &format!("/_partnerd/requests?correlationId={correlation}"),
        )
        .send()
        .await
        .unwrap();
    let (status, entries) = status_json(r).await;
    assert_eq!(status, 200, "{entries}");
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let token_call = &entries[0];
    let create = &entries[1];
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/v1/customers");
    assert_eq!(create["route"], "/v1/customers");
    assert_eq!(create["status"], 201);
    assert_eq!(create["partner"], json!(p.tenant_id));
    assert!(create["requestBody"]
        .as_str()
        .unwrap()
        .contains("journaled.onmicrosoft.com"));
    let response = create["responseBody"].as_str().unwrap();
    assert!(
        response.contains("journaled.onmicrosoft.com") && !response.contains(&password),
        "{response}"
    );
    let everything = serde_json::to_string(entries).unwrap();
    for secret in [&password, &p.client_secret] {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret is in the journal"
        );
    }
    assert!(!everything.contains("eyJ"), "a token is in the journal");
    assert!(token_call["requestBody"]
        .as_str()
        .unwrap()
        .contains("client_id"));
    // Filters.
    let r = s
        .admin(Method::GET, "/_partnerd/requests?status=201")
        .send()
        .await
        .unwrap();
    let (_, by_status) = status_json(r).await;
    assert!(by_status
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == 201));
    let r = s
        .admin(Method::GET, "/_partnerd/requests?status=abc")
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let s = TestServer::start_with(Settings {
        throttle: Some((3, Duration::from_secs(60))),
        ..Settings::default()
    })
    .await;
    let t = s.app_token().await;
    for _ in 0..3 {
        assert_eq!(
            s.authed(Method::GET, "/v1/customers", &t)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u32 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert!(r.headers().contains_key("ms-correlationid"));
    assert_eq!(
        r.text().await.unwrap(),
        format!(
            r#"{{"statusCode":429,"message":"Rate limit is exceeded. Try again in {retry} seconds."}}"#
        )
    );
    // Another partner has its own bucket; the token service and control plane are not throttled.
    let other = s.add_partner("Other", PartnerKind::Sandbox, None).await;
    assert_eq!(
        s.authed(Method::GET, "/v1/customers", &s.app_token_of(&other).await)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.request(Method::GET, "/_partnerd/health")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = s
        .admin(Method::GET, "/_partnerd/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("partnerd_throttled_total 1"), "{metrics}");
}

async fn add_rule(s: &TestServer, rule: Value) -> Value {
    let r = s
        .admin(Method::POST, "/_partnerd/faults")
        .json(&rule)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 201, "{v}");
    v
}

#[tokio::test]
async fn fault_rules_inject_errors_and_latency() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let rule = add_rule(
        &s,
        json!({"method": "GET", "route": "/v1/customers", "everyNth": 2,
        "effect": {"kind": "error", "status": 503, "code": 990006}}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            s.authed(Method::GET, "/v1/customers", &t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 503, 200, 503]);
    // Injected answers are journaled like any other.
    let r = s
        .admin(Method::GET, "/_partnerd/requests?status=503")
        .send()
        .await
        .unwrap();
    let (_, faulted) = status_json(r).await;
    assert_eq!(faulted.as_array().unwrap().len(), 2, "{faulted}");
    assert!(faulted[0]["responseBody"]
        .as_str()
        .unwrap()
        .contains("990006"));
    let r = s
        .admin(Method::GET, "/_partnerd/faults")
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1.as_array().unwrap().len(), 1);
    let id = rule["id"].as_str().unwrap();
    assert_eq!(
        s.admin(Method::DELETE, &format!("/_partnerd/faults/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        s.admin(Method::DELETE, &format!("/_partnerd/faults/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        s.authed(Method::GET, "/v1/customers", &t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Latency, only for one partner.
    let other = s.add_partner("Slow", PartnerKind::Sandbox, None).await;
    add_rule(
        &s,
        json!({"route": "/v1/**", "partner": other.tenant_id, "probability": 1.0,
        "effect": {"kind": "latency", "ms": 300}}),
    )
    .await;
    let started = Instant::now();
    assert_eq!(
        s.authed(Method::GET, "/v1/customers", &t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "the rule is for another partner"
    );
    let started = Instant::now();
    assert_eq!(
        s.authed(Method::GET, "/v1/customers", &s.app_token_of(&other).await)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Invalid rules and the admin token.
    let r = s.admin(Method::POST, "/_partnerd/faults").json(&json!({"route": "/v1/x", "effect": {"kind": "error", "status": 200, "code": 1}, "everyNth": 1})).send().await.unwrap();
    assert_fault(r, 400, 800002).await;
    let r = s
        .request(Method::POST, "/_partnerd/faults")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 401, 800001).await;
    assert_eq!(
        s.admin(Method::DELETE, "/_partnerd/faults")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let metrics = s
        .admin(Method::GET, "/_partnerd/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("partnerd_faults_total"), "{metrics}");
}

#[tokio::test]
async fn a_retry_after_a_dropped_connection_writes_once() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    add_rule(
        &s,
        json!({"method": "POST", "route": "/v1/customers", "everyNth": 1, "seed": 7,
        "effect": {"kind": "dropAfterCommit"}}),
    )
    .await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let send = || async {
        let r = s
            .authed(Method::POST, "/v1/customers", &t)
            .header("MS-RequestId", &request_id)
            .json(&customer_body("dropped.onmicrosoft.com"))
            .send()
            .await;
        match r {
            Ok(r) => {
                let status = r.status().as_u16();
                r.bytes()
                    .await
                    .map(|b| (status, b))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        }
    };
    // The client sees a broken connection; it retries with the same MS-RequestId.
    let first = send().await;
    assert!(first.is_err(), "the connection was dropped: {first:?}");
    assert_eq!(
        s.admin(Method::DELETE, "/_partnerd/faults")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, body) = send().await.expect("the retry is answered");
    assert_eq!(status, 201);
    let created: Value = serde_json::from_slice(&body).unwrap();
    assert!(created["userCredentials"]["password"].is_string());
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 1, "exactly one write");
}

#[tokio::test]
async fn reset_empties_a_partner_and_keeps_its_credentials() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    s.create_customer(&t, "reset1.onmicrosoft.com").await;
    s.create_customer(&t, "reset2.onmicrosoft.com").await;
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(
        (status, v["deletedCustomers"].clone()),
        (200, json!(2)),
        "{v}"
    );
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 0);
    s.create_customer(&t, "reset1.onmicrosoft.com").await;
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", uuid::Uuid::new_v4()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
