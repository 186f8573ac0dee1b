//! The SDK against an in-process partnerd.

mod common;

use std::time::{Duration, Instant};

use common::{new_customer, token_calls, Scripted, Server};
use futures_util::TryStreamExt;
use partnerd_sdk::{
    Credentials, CustomerFilter, CustomerSearchField, Error, PartnerCenter, RetryPolicy,
};
use serde_json::json;

#[tokio::test]
async fn every_operation_with_an_app_user_client() {
    let s = Server::start().await;
    let pc = s.user_client();

    // create, get
    let created = pc
        .customers()
        .create(&new_customer("sdkone.onmicrosoft.com"))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert!(created.user_credentials.is_some());
    let got = pc.customers().by_id(&id).get().await.unwrap();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    let second = pc
        .customers()
        .create(&new_customer("sdktwo.onmicrosoft.com"))
        .await
        .unwrap();
    let third = pc
        .customers()
        .create(&new_customer("other.onmicrosoft.com"))
        .await
        .unwrap();

    // query: one page, with and without a filter
    let page = pc.customers().query(2, None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.continuation_token.is_some());
    let next = pc.customers().next_page(&page).await.unwrap().unwrap();
    assert_eq!(next.items.len(), 1);
    assert!(pc.customers().next_page(&next).await.unwrap().is_none());
    let filter = CustomerFilter {
        field: CustomerSearchField::Domain,
        value: "sdk".into(),
    };
    let found = pc.customers().query(10, Some(filter)).await.unwrap();
    assert_eq!(found.items.len(), 2);

    // all(): every customer; pages(1): three pages of one
    let all: Vec<_> = pc.customers().all().try_collect().await.unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            id.clone(),
            second.id.clone().unwrap(),
            third.id.clone().unwrap()
        ]
    );
    let pages: Vec<_> = pc.customers().pages(1, None).try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|p| p.items.len() == 1));

    // billing profile: get, update with the etag, stale etag refused
    let billing = pc.customers().by_id(&id).profiles().billing();
    let mut profile = billing.get().await.unwrap();
    let old_etag = profile.attributes.clone().unwrap().etag.unwrap();
    profile.first_name = Some("Grace".into());
    let updated = billing.update(&profile).await.unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Grace"));
    let new_etag = updated.attributes.clone().unwrap().etag.unwrap();
    assert_ne!(old_etag, new_etag);
    let stale = billing.update(&profile).await.unwrap_err();
    assert_eq!(stale.status(), Some(400), "{stale}");
    assert_eq!(stale.code(), Some(2055));
    assert!(stale.request_id().is_some());
    assert_eq!(stale.correlation_id(), Some(pc.correlation_id()));

    // company profile, relationships
    let company = pc
        .customers()
        .by_id(&id)
        .profiles()
        .company()
        .get()
        .await
        .unwrap();
    assert_eq!(company.domain.as_deref(), Some("sdkone.onmicrosoft.com"));
    let rels = pc
        .customers()
        .by_id(&id)
        .relationships()
        .get()
        .await
        .unwrap();
    assert!(rels.items.is_empty());
    let mine = pc.relationships().get().await.unwrap();
    assert!(mine.items.is_empty());

    // domains
    assert!(pc
        .domains()
        .by_domain("sdkone.onmicrosoft.com")
        .exists()
        .await
        .unwrap());
    assert!(!pc
        .domains()
        .by_domain("nobody.onmicrosoft.com")
        .exists()
        .await
        .unwrap());

    // PATCH removals
    let c = pc
        .customers()
        .by_id(&id)
        .remove_delegated_access()
        .await
        .unwrap();
    assert_eq!(c.allow_delegated_access, Some(false));
    let c = pc
        .customers()
        .by_id(&id)
        .remove_reseller_relationship()
        .await
        .unwrap();
    assert_eq!(c.relationship_to_partner.map(|r| r.as_str()), Some("none"));
    let gone = pc.customers().by_id(&id).get().await.unwrap_err();
    assert_eq!((gone.status(), gone.code()), (Some(403), Some(20002)));

    // delete
    let two = second.id.unwrap();
    pc.customers().by_id(&two).delete().await.unwrap();
    let err = pc.customers().by_id(&two).get().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(60003)));
    assert!(matches!(err, Error::Api { .. }));

    // one password-grant token for all of it
    let calls = token_calls(&s.journal(pc.correlation_id()).await).len();
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn client_secret_v2_token_is_cached() {
    let s = Server::start().await;
    let pc = s.client(s.app_credentials());
    pc.customers()
        .create(&new_customer("cached.onmicrosoft.com"))
        .await
        .unwrap();
    pc.customers().query(10, None).await.unwrap();
    pc.relationships().get().await.unwrap();
    // A clone with another correlation id shares the cache.
    let other = pc.with_correlation_id("6d0c2d1e-0000-4000-8000-00000000abcd");
    other.customers().query(10, None).await.unwrap();
    let entries = s.journal(pc.correlation_id()).await;
    let tokens = token_calls(&entries);
    assert_eq!(tokens.len(), 1, "{entries:?}");
    assert!(tokens[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("/oauth2/v2.0/token"));
    assert_eq!(entries.len(), 4);
    assert!(token_calls(&s.journal(other.correlation_id()).await).is_empty());
    assert_eq!(s.journal(other.correlation_id()).await.len(), 1);
}

#[tokio::test]
async fn client_secret_v1_token() {
    let s = Server::start().await;
    let pc = s.client(s.app_credentials().v1());
    pc.customers().query(10, None).await.unwrap();
    pc.customers().query(10, None).await.unwrap();
    let entries = s.journal(pc.correlation_id()).await;
    let tokens = token_calls(&entries);
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("/oauth2/token"));
}

#[tokio::test]
async fn v1_password_grant_works_for_app_user_operations() {
    let s = Server::start().await;
    let pc = s.client(s.user_credentials().v1());
    let c = pc
        .customers()
        .create(&new_customer("vone.onmicrosoft.com"))
        .await
        .unwrap();
    let company = pc
        .customers()
        .by_id(c.id.unwrap())
        .profiles()
        .company()
        .get()
        .await
        .unwrap();
    assert_eq!(company.domain.as_deref(), Some("vone.onmicrosoft.com"));
}

#[tokio::test]
async fn rotated_refresh_token_replaces_the_stored_one() {
    let s = Server::start_with(partnerd_testkit::Settings {
        access_token_secs: 4,
        ..Default::default()
    })
    .await;
    // A first refresh token, from the token service directly.
    let p = &s.partner;
    let answer: serde_json::Value = s
        .http
        .post(format!("{}/{}/oauth2/token", s.base, p.tenant_id))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("username", &p.user_name),
            ("password", &p.user_password),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt = answer["refresh_token"].as_str().unwrap().to_owned();
    let pc = s.client(Credentials::refresh_token(
        &p.tenant_id,
        &p.client_id,
        Some(p.client_secret.clone()),
        rt,
    ));
    pc.customers().query(1, None).await.unwrap();
    pc.customers().query(1, None).await.unwrap();
    // expires_in is 3 s, so the token is renewed after 1.5 s, with the rotated refresh token
    // (the first one no longer works).
    tokio::time::sleep(Duration::from_millis(1700)).await;
    pc.customers().query(1, None).await.unwrap();
    let entries = s.journal(pc.correlation_id()).await;
    let tokens = token_calls(&entries);
    assert_eq!(tokens.len(), 2, "{entries:?}");
    assert!(tokens.iter().all(|t| t["status"] == 200), "{tokens:?}");
}

#[tokio::test]
async fn token_errors_are_typed() {
    let s = Server::start().await;
    let p = &s.partner;
    let pc = s.client(Credentials::client_secret(
        &p.tenant_id,
        &p.client_id,
        "wrong",
    ));
    let err = pc.customers().query(1, None).await.unwrap_err();
    match &err {
        Error::Auth { error, status, .. } => {
            assert_eq!(error, "invalid_client");
            assert!(*status == 401 || *status == 400, "{err}");
        }
        other => panic!("not an auth error: {other:?}"),
    }
    // A bad static token: 401/800001, sent once (static tokens are not renewed).
    let pc = s.client(Credentials::static_token("not-a-token"));
    let err = pc.customers().query(1, None).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(401), Some(800001)));
    assert_eq!(s.journal(pc.correlation_id()).await.len(), 1);
}

#[tokio::test]
async fn a_503_from_partnerd_is_retried_and_succeeds() {
    let s = Server::start().await;
    let pc = s.client(s.app_credentials());
    s.fault(
        json!({"method": "GET", "route": "/v1/customers", "everyNth": 2,
        "effect": {"kind": "error", "status": 503, "code": 990006}}),
    )
    .await;
    pc.customers().query(5, None).await.unwrap(); // 1st: passes
    pc.customers().query(5, None).await.unwrap(); // 2nd: 503, then its retry passes
    assert_eq!(s.metric("partnerd_faults_total{kind=\"error\"}").await, 1.0);
    // Injected answers are journaled too: the retry reuses the faulted request's id.
    let entries = s.journal(pc.correlation_id()).await;
    let gets: Vec<_> = entries.iter().filter(|e| e["method"] == "GET").collect();
    let statuses: Vec<_> = gets.iter().map(|g| g["status"].as_u64()).collect();
    assert_eq!(statuses, [Some(200), Some(503), Some(200)], "{entries:?}");
    assert_eq!(gets[1]["requestId"], gets[2]["requestId"]);
    assert_ne!(gets[0]["requestId"], gets[1]["requestId"]);
}

#[tokio::test]
async fn retries_keep_the_request_id_and_stop_at_other_4xx() {
    let fault = |status: u16| {
        Some((
            status,
            vec![],
            format!(
                r#"{{"code":1,"description":"injected {status}","data":[],"source":"PartnerFD"}}"#
            ),
        ))
    };
    let ok = Some((200, vec![], r#"{"totalCount":0,"items":[]}"#.to_owned()));
    let throttled = Some((
        429,
        vec![("Retry-After", "1".to_owned())],
        r#"{"statusCode":429,"message":"Rate limit is exceeded. Try again in 1 seconds."}"#
            .to_owned(),
    ));
    // 503, dropped connection, 429 (Retry-After: 1), then 200: one operation, four attempts.
    let srv = Scripted::start(vec![
        fault(503),
        None,
        throttled,
        ok.clone(),
        fault(400),
        fault(404),
    ])
    .await;
    let pc = srv.client();
    let started = Instant::now();
    pc.relationships().get().await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let seen = srv.seen();
    assert_eq!(seen.len(), 4);
    let rid = seen[0].request_id.clone().expect("MS-RequestId");
    assert!(seen
        .iter()
        .all(|s| s.request_id.as_deref() == Some(rid.as_str())));
    assert!(seen
        .iter()
        .all(|s| s.method == "GET" && s.path == "/v1/relationships"));
    // 400 and 404: once each.
    let e400 = pc.relationships().get().await.unwrap_err();
    assert_eq!((e400.status(), e400.code()), (Some(400), Some(1)));
    let e404 = pc.relationships().get().await.unwrap_err();
    assert_eq!(e404.status(), Some(404));
    let seen = srv.seen();
    assert_eq!(seen.len(), 6);
    assert_ne!(seen[4].request_id, seen[5].request_id);
    assert_eq!(e404.request_id(), seen[5].request_id.as_deref());
}

#[tokio::test]
async fn exhausted_retries_report_the_last_fault() {
    let s = Server::start().await;
    let pc = PartnerCenter::builder()
        .base_url(&s.base)
        .authority(&s.base)
        .credentials(s.app_credentials())
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .unwrap();
    s.fault(
        json!({"method": "GET", "route": "/v1/relationships", "everyNth": 1,
        "effect": {"kind": "error", "status": 500, "code": 990000}}),
    )
    .await;
    let err = pc.relationships().get().await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(500), Some(990000)));
    assert_eq!(s.metric("partnerd_faults_total{kind=\"error\"}").await, 2.0);
}

#[tokio::test]
async fn a_400_or_404_is_not_retried() {
    let s = Server::start().await;
    let pc = s.client(s.app_credentials());
    s.fault(
        json!({"method": "GET", "route": "/v1/customers", "everyNth": 1,
        "effect": {"kind": "error", "status": 400, "code": 800002}}),
    )
    .await;
    let err = pc.customers().query(5, None).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(800002)));
    let missing = pc
        .customers()
        .by_id("00000000-0000-4000-8000-000000000042")
        .get()
        .await
        .unwrap_err();
    assert_eq!((missing.status(), missing.code()), (Some(404), Some(60003)));
    assert_eq!(s.metric("partnerd_faults_total{kind=\"error\"}").await, 1.0);
    let entries = s.journal(pc.correlation_id()).await;
    let rid = missing.request_id().unwrap();
    let n = entries.iter().filter(|x| x["requestId"] == rid).count();
    assert_eq!(n, 1, "{entries:?}");
}

#[tokio::test]
async fn a_create_retried_after_a_dropped_connection_creates_one_customer() {
    let s = Server::start().await;
    let pc = s.client(s.app_credentials());
    s.fault(
        json!({"method": "POST", "route": "/v1/customers", "everyNth": 2,
        "effect": {"kind": "dropAfterCommit"}}),
    )
    .await;
    pc.customers()
        .create(&new_customer("first.onmicrosoft.com"))
        .await
        .unwrap();
    let second = pc
        .customers()
        .create(&new_customer("dropped.onmicrosoft.com"))
        .await
        .unwrap();
    let all: Vec<_> = pc.customers().all().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].id, second.id);
    assert_eq!(
        second.company_profile.unwrap().domain.as_deref(),
        Some("dropped.onmicrosoft.com")
    );
    // The connection was dropped once; a retry with another MS-RequestId would have got
    // 409 (domain taken) instead of the replayed 201.
    assert_eq!(
        s.metric("partnerd_faults_total{kind=\"dropAfterCommit\"}")
            .await,
        1.0
    );
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let s = Server::start_with(partnerd_testkit::Settings {
        throttle: Some((2, Duration::from_secs(2))),
        ..Default::default()
    })
    .await;
    let pc = s.client(s.app_credentials());
    pc.relationships().get().await.unwrap();
    pc.relationships().get().await.unwrap();
    let started = Instant::now();
    pc.relationships().get().await.unwrap();
    let waited = started.elapsed();
    assert!(s.metric("partnerd_throttled_total").await >= 1.0);
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");

    // Without retries the 429 comes back, its gateway body decoded.
    let once = PartnerCenter::builder()
        .base_url(&s.base)
        .authority(&s.base)
        .credentials(s.app_credentials())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut last = None;
    for _ in 0..4 {
        if let Err(e) = once.relationships().get().await {
            last = Some(e);
            break;
        }
    }
    let err = last.expect("throttled");
    assert_eq!(err.status(), Some(429));
    assert!(err.description().unwrap().contains("Rate limit"), "{err}");
    match err {
        Error::Api { retry_after, .. } => assert!(retry_after.is_some()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn building_needs_credentials_and_http_urls() {
    assert!(matches!(
        PartnerCenter::builder().build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        PartnerCenter::builder()
            .base_url("ftp://x")
            .credentials(Credentials::static_token("t"))
            .build(),
        Err(Error::Config(_))
    ));
    let pc = PartnerCenter::builder()
        .cloud(partnerd_sdk::Cloud::China)
        .credentials(Credentials::static_token("t"))
        .build()
        .unwrap();
    assert_eq!(
        pc.base_url(),
        "https://partner.partnercenterapi.microsoftonline.cn"
    );
}

#[tokio::test]
async fn the_customer_lifecycle_through_the_sdk() {
    use partnerd_sdk::wire::{CustomerQualificationRequest, Qualification};
    let s = Server::start().await;
    let pc = s.user_client();
    let id = pc
        .customers()
        .create(&new_customer("sdklife.onmicrosoft.com"))
        .await
        .unwrap()
        .id
        .unwrap();
    let customer = pc.customers().by_id(&id);

    // A subscription put there by the control plane, suspended as PowerShell would.
    let r = s
        .admin(
            reqwest::Method::POST,
            &format!("/_partnerd/customers/{id}/subscriptions"),
        )
        .json(&json!({"id": "sdk-sub"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let err = customer.remove_reseller_relationship().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    let mut sub = customer.subscription("sdk-sub").get().await.unwrap();
    sub.status = Some("suspended".into());
    let patched = customer.subscription("sdk-sub").patch(&sub).await.unwrap();
    assert_eq!(patched.status.as_deref(), Some("suspended"));

    // GCC with the partner's code, through the legacy pair.
    let code = pc.validations().validation_codes().await.unwrap()[0]
        .validation_id
        .clone();
    let q = customer.qualifications();
    assert_eq!(q.get_legacy().await.unwrap(), Qualification::None);
    assert_eq!(
        q.update_legacy(Qualification::GovernmentCommunityCloud, Some(&code))
            .await
            .unwrap(),
        Qualification::GovernmentCommunityCloud
    );
    assert_eq!(customer.gcc_validation().await.unwrap().validation_id, code);
    let soe = q
        .create(&CustomerQualificationRequest {
            qualification: Qualification::StateOwnedEntity,
            education_segment: None,
            validation_code: None,
            website: None,
        })
        .await
        .unwrap();
    assert_eq!(soe.vetting_status, None);
    assert_eq!(q.get().await.unwrap().len(), 2);

    // No account status until the control plane sets one.
    assert_eq!(
        customer.validation_status().await.unwrap_err().status(),
        Some(404)
    );
    s.admin(
        reqwest::Method::PUT,
        &format!("/_partnerd/customers/{id}/validation-status"),
    )
    .json(&json!({"status": "Allowed"}))
    .send()
    .await
    .unwrap();
    assert_eq!(
        customer.validation_status().await.unwrap().status,
        "Allowed"
    );
    customer.remove_reseller_relationship().await.unwrap();
}
