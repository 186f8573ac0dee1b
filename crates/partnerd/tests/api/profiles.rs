//! Billing profile (seed 003: GET, then PUT with its ETag) and company profile.

use std::sync::Arc;

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn customer_with_profile(
    s: &TestServer,
    token: &str,
    domain: &str,
) -> (String, Value, String) {
    let c = s.create_customer(token, domain).await;
    let id = c["id"].as_str().unwrap().to_owned();
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/billing"),
            token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = r.headers()["etag"].to_str().unwrap().to_owned();
    let profile: Value = r.json().await.unwrap();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    assert_eq!(
        header,
        format!("\"{etag}\""),
        "ETag header is the quoted attributes.etag"
    );
    (id, profile, etag)
}

fn billing_path(id: &str) -> String {
    format!("/v1/customers/{id}/profiles/billing")
}

#[tokio::test]
async fn seed_003_get_then_put_with_if_match() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let (id, mut profile, etag) = customer_with_profile(&s, &t, "seed3.onmicrosoft.com").await;
    profile["companyName"] = json!("Contoso Renamed");
    profile["defaultAddress"]["city"] = json!("Bellevue");
    let r = s
        .authed(Method::PUT, &billing_path(&id), &t)
        .header("If-Match", format!("\"{etag}\""))
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = r.headers()["etag"].to_str().unwrap().to_owned();
    let updated: Value = r.json().await.unwrap();
    let new_etag = updated["attributes"]["etag"].as_str().unwrap();
    assert_ne!(new_etag, etag);
    assert_eq!(header, format!("\"{new_etag}\""));
    assert_eq!(updated["companyName"], "Contoso Renamed");
    assert_eq!(updated["defaultAddress"]["city"], "Bellevue");
    assert_eq!(updated["id"], profile["id"]);

    // The old ETag is stale now: 400/2055, nothing written.
    let mut stale = profile.clone();
    stale["companyName"] = json!("Lost Update");
    let r = s
        .authed(Method::PUT, &billing_path(&id), &t)
        .header("If-Match", format!("\"{etag}\""))
        .json(&stale)
        .send()
        .await
        .unwrap();
    let f = assert_fault(r, 400, 2055).await;
    assert_eq!(f["description"], "Etag is no longer valid.");
    let r = s
        .authed(Method::GET, &billing_path(&id), &t)
        .send()
        .await
        .unwrap();
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["companyName"], "Contoso Renamed");
    assert_eq!(now["attributes"]["etag"], json!(new_etag));
    // The customer resource embeds the same profile.
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["billingProfile"], now);
}

#[tokio::test]
async fn seed_003_sdk_style_body_etag_without_if_match() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let (id, _, etag) = customer_with_profile(&s, &t, "sdkput.onmicrosoft.com").await;
    // The seed's request body, as the .NET SDK sends it.
    let body = json!({
        "Id": "a58ceba5-60ac-48e4-a0bc-2a855811807a",
        "FirstName": "FirstName", "LastName": "LastName", "Email": "email@sample.com",
        "Culture": "en-US", "Language": "en", "CompanyName": "CompanyName",
        "DefaultAddress": {"Country": "US", "Region": null, "City": "Redmond", "State": "WA",
            "AddressLine1": "One Microsoft Way", "AddressLine2": null, "PostalCode": "98052",
            "FirstName": "FirstName", "LastName": "LastName", "PhoneNumber": "4255555555"},
        "Links": {"Self": {"Uri": format!("/v1/customers/{id}/profiles/billing"), "Method": "GET", "Headers": []}},
        "Attributes": {"Etag": etag, "ObjectType": "CustomerBillingProfile"}
    });
    let r = s
        .authed(Method::PUT, &billing_path(&id), &t)
        .header("Accept", "application/json")
        .header("MS-RequestId", "ff85f13a-eb65-4b8e-9b67-05beb0565410")
        .header("MS-CorrelationId", "ff1b757d-cfaf-463a-b48b-0f96d05e95d7")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["ms-correlationid"],
        "ff1b757d-cfaf-463a-b48b-0f96d05e95d7"
    );
    assert_eq!(
        r.headers()["ms-requestid"],
        "ff85f13a-eb65-4b8e-9b67-05beb0565410"
    );
    let (status, updated) = status_json(r).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["email"], "email@sample.com");
    assert_ne!(
        updated["id"], "a58ceba5-60ac-48e4-a0bc-2a855811807a",
        "the profile id is read-only"
    );
    assert!(
        updated["defaultAddress"].get("region").is_none(),
        "nulls are omitted"
    );
}

#[tokio::test]
async fn if_match_wins_over_the_body_and_star_matches_anything() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let (id, profile, etag) = customer_with_profile(&s, &t, "ifmatch.onmicrosoft.com").await;
    let put = |if_match: Option<String>, body: Value| {
        let mut rb = s.authed(Method::PUT, &billing_path(&id), &t).json(&body);
        if let Some(v) = if_match {
            rb = rb.header("If-Match", v);
        }
        rb.send()
    };
    // Stale If-Match, current body etag: the header wins, 400/2055.
    let r = put(Some("\"12345\"".into()), profile.clone())
        .await
        .unwrap();
    assert_fault(r, 400, 2055).await;
    // Current If-Match (unquoted), stale body etag: 200.
    let mut stale_body = profile.clone();
    stale_body["attributes"]["etag"] = json!("12345");
    let r = put(Some(etag.clone()), stale_body).await.unwrap();
    assert_eq!(r.status(), 200);
    // `*` matches whatever the ETag is now.
    let r = put(Some("*".into()), profile.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    // No ETag anywhere: 428.
    let mut bare = profile.clone();
    bare.as_object_mut().unwrap().remove("attributes");
    let r = put(None, bare).await.unwrap();
    assert_fault(r, 428, 990003).await;
    // Something that was never an ETag: 400/2055.
    let r = put(Some("\"banana\"".into()), profile.clone())
        .await
        .unwrap();
    assert_fault(r, 400, 2055).await;
}

#[tokio::test]
async fn put_validation_and_access_errors() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let (id, profile, _) = customer_with_profile(&s, &t, "putval.onmicrosoft.com").await;
    let mut bad = profile.clone();
    bad["email"] = json!(null);
    bad["defaultAddress"]["country"] = json!("ZZ");
    let r = s
        .authed(Method::PUT, &billing_path(&id), &t)
        .header("If-Match", "*")
        .json(&bad)
        .send()
        .await
        .unwrap();
    let f = assert_fault(r, 400, 27002).await;
    let data = f["data"].to_string();
    assert!(
        data.contains("property_name: email") && data.contains("defaultAddress.country"),
        "{f}"
    );

    let missing = uuid::Uuid::new_v4().to_string();
    let r = s
        .authed(Method::PUT, &billing_path(&missing), &t)
        .header("If-Match", "*")
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
    let other = s
        .add_partner("Other", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    let r = s
        .authed(
            Method::PUT,
            &billing_path(&id),
            &s.app_token_of(&other).await,
        )
        .header("If-Match", "*")
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 20002).await;
    let r = s
        .authed(Method::GET, &billing_path("nope"), &t)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 2000).await;
}

#[tokio::test]
async fn thirty_two_concurrent_puts_with_one_etag_have_one_winner() {
    let s = Arc::new(TestServer::start().await);
    let t = s.app_token().await;
    let (id, profile, etag) = customer_with_profile(&s, &t, "race.onmicrosoft.com").await;
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (s, t, id, etag, barrier) = (
            s.clone(),
            t.clone(),
            id.clone(),
            etag.clone(),
            barrier.clone(),
        );
        let mut body = profile.clone();
        body["companyName"] = json!(format!("Writer {i}"));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = s
                .authed(Method::PUT, &billing_path(&id), &t)
                .header("If-Match", format!("\"{etag}\""))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            (status, v)
        }));
    }
    let mut wins = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        match task.await.unwrap() {
            (200, v) => wins.push(v),
            (400, v) => {
                assert_eq!(v["code"], 2055);
                conflicts += 1;
            }
            (other, v) => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!((wins.len(), conflicts), (1, 31));
    let r = s
        .authed(Method::GET, &billing_path(&id), &t)
        .send()
        .await
        .unwrap();
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["companyName"], wins[0]["companyName"]);
    assert_eq!(stored["attributes"]["etag"], wins[0]["attributes"]["etag"]);
}

#[tokio::test]
async fn expect_100_continue_is_honoured() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let (id, profile, _) = customer_with_profile(&s, &t, "expect.onmicrosoft.com").await;
    let body = serde_json::to_vec(&profile).unwrap();
    let addr = s.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT /v1/customers/{id}/profiles/billing HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\n\
         Content-Type: application/json\r\nIf-Match: *\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_exact(&mut interim),
    )
    .await
    .expect("100 Continue in time")
    .unwrap();
    assert!(String::from_utf8_lossy(&interim).starts_with("HTTP/1.1 100 Continue"));
    stream.write_all(&body).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut rest),
    )
    .await
    .expect("response in time")
    .unwrap();
    let text = String::from_utf8_lossy(&rest);
    assert!(text.contains("HTTP/1.1 200 OK"), "{text}");
}

#[tokio::test]
async fn company_profile_for_app_user_callers() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = s.create_customer(&t, "company.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/company"),
            &t,
        )
        .send()
        .await
        .unwrap();
    let (status, p) = status_json(r).await;
    assert_eq!(status, 200);
    assert_eq!(p["tenantId"], json!(id));
    assert_eq!(p["domain"], "company.onmicrosoft.com");
    assert_eq!(p["companyName"], "Contoso");
    assert_eq!(p["email"], "ada@contoso.com");
    assert_eq!(p["address"]["city"], "Redmond");
    assert_eq!(p["attributes"]["objectType"], "CustomerCompanyProfile");
    assert_eq!(
        p["links"]["self"]["uri"],
        format!("/customers/{id}/profiles/company")
    );
}
