//! The MFA reports, computed from the requests and sign-ins partnerd saw.

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::Value;

async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    status_json(s.authed(Method::GET, path, token).send().await.unwrap()).await
}

/// An app+user token of the bootstrap partner's user without `mfa` in `amr`.
async fn token_without_mfa(s: &TestServer) -> String {
    let (_, mut claims) = s.minted(&s.partner, true).await;
    claims.amr = Some(vec!["pwd".to_owned()]);
    partnerd::auth::jwt::sign(&claims, &s.state.keys.signer().unwrap()).unwrap()
}

#[tokio::test]
async fn the_reports_are_exact() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let app = s.app_token().await;
    let r = s
        .authed(Method::GET, "/v1/customers", &user)
        .header("MS-CorrelationId", "11111111-2222-4333-8444-555555555555")
        .header("MS-RequestId", "aaaaaaaa-2222-4333-8444-555555555555")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let c = s.create_customer(&user, "audited.onmicrosoft.com").await;
    // App-only requests are not in the reports; a request refused for want of MFA is.
    assert_eq!(get(&s, &app, "/v1/customers").await.0, 200);
    let weak = token_without_mfa(&s).await;
    assert_fault(
        s.authed(
            Method::GET,
            &format!("/v1/customers/{}", c["id"].as_str().unwrap()),
            &weak,
        )
        .send()
        .await
        .unwrap(),
        401,
        900421,
    )
    .await;

    let (status, page) = get(&s, &user, "/v1/partnerRequests").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["totalCount"], 3, "{page}");
    let items = page["items"].as_array().unwrap();
    // Newest first: the refused GET, the create, the list.
    assert_eq!(
        items[0]["operationName"],
        "Get /v{version}/customers/{customer_id}"
    );
    assert_eq!(items[0]["mfaCompliant"], false);
    assert_eq!(items[1]["operationName"], "Post /v{version}/customers");
    let list = &items[2];
    assert_eq!(list["operationName"], "Get /v{version}/customers");
    assert_eq!(
        list["correlationId"],
        "11111111-2222-4333-8444-555555555555"
    );
    assert_eq!(list["requestId"], "aaaaaaaa-2222-4333-8444-555555555555");
    assert_eq!(list["sourceIpAddress"], "127.0.0.1");
    assert_eq!(list["objectId"], s.partner.user_object_id);
    assert_eq!(list["tenantId"], s.partner.tenant_id);
    assert_eq!(list["upn"], s.partner.user_name);
    assert_eq!(list["applicationId"], s.partner.client_id);
    assert_eq!(list["mfaCompliant"], true);
    assert!(list["requestDateTime"].as_str().unwrap().ends_with('Z'));

    let (status, principals) = get(&s, &user, "/v1/nonMfaCompliantPartnerPrincipals").await;
    assert_eq!(status, 200, "{principals}");
    assert_eq!(principals["totalCount"], 1);
    assert_eq!(principals["items"][0]["objectId"], s.partner.user_object_id);
    assert_eq!(principals["items"][0]["upn"], s.partner.user_name);
    assert!(principals["items"][0]["lastNonMfaCompliantRequestDateTime"].is_string());

    // The report calls above count too: 3 + 2, one of them without MFA.
    let (status, adoption) = get(&s, &user, "/v1/applicationmfaadoptionstatus").await;
    assert_eq!(status, 200, "{adoption}");
    let days = adoption.as_array().unwrap();
    assert_eq!(days.len(), 1, "{adoption}");
    assert_eq!(days[0]["applicationId"], s.partner.client_id);
    assert_eq!(days[0]["applicationName"], "Fabrikam app");
    assert_eq!(days[0]["totalRequestCount"], 5);
    assert_eq!(days[0]["mfaCompliantRequestCount"], 4);
    assert_eq!(days[0]["loginDate"].as_str().unwrap().len(), 10);
    let (status, none) = get(
        &s,
        &user,
        "/v1/applicationmfaadoptionstatus?startDate=2020-01-01&endDate=2020-01-07",
    )
    .await;
    assert_eq!((status, none), (200, serde_json::json!([])));
    let (status, e) = get(&s, &user, "/v1/applicationmfaadoptionstatus?startDate=soon").await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(800002)));

    // App+user only.
    for path in [
        "/v1/partnerRequests",
        "/v1/nonMfaCompliantPartnerPrincipals",
        "/v1/applicationmfaadoptionstatus",
    ] {
        assert_fault(
            s.authed(Method::GET, path, &app).send().await.unwrap(),
            403,
            2032,
        )
        .await;
    }

    // A partner reset clears the history.
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, after) = get(&s, &user, "/v1/partnerRequests").await;
    assert_eq!(after["totalCount"], 0, "{after}");
}

#[tokio::test]
async fn sign_ins_without_mfa_make_a_principal() {
    use partnerd::identity::hash_secret;
    use partnerd_store::*;
    let s = TestServer::start().await;
    // A partner with two users: one with MFA (who reads the report), one without.
    let tenant = TenantId::random();
    let client = ClientId::random();
    let secret = "a-client-secret-for-the-report-partner";
    let password = "Pa55word!Report";
    let domain = "report-partner.onmicrosoft.com";
    let user = |name: &str, mfa: bool| UserRecord {
        object_id: UserId::random(),
        tenant_id: tenant.clone(),
        upn: format!("{name}@{domain}"),
        password_hash: hash_secret(password).unwrap(),
        mfa,
    };
    let (strong, weak) = (user("strong", true), user("weak", false));
    s.store
        .create_partner(NewPartner {
            partner: PartnerRecord {
                tenant_id: tenant.clone(),
                name: "Report".to_owned(),
                mpn_id: "1234567".to_owned(),
                kind: PartnerKind::Sandbox,
                customer_cap: 75,
                domain: domain.to_owned(),
            },
            apps: vec![AppRecord {
                client_id: client.clone(),
                tenant_id: tenant.clone(),
                name: "Report app".to_owned(),
                secret_hash: hash_secret(secret).unwrap(),
            }],
            users: vec![strong.clone(), weak.clone()],
            validation_codes: vec![],
        })
        .await
        .unwrap();
    let sign_in = |upn: String| {
        let s = &s;
        let (tenant, client) = (tenant.to_string(), client.to_string());
        async move {
            let (status, t) = partnerd_testkit::token_request(
                s,
                &format!("/{tenant}/oauth2/token"),
                &[
                    ("grant_type", "password"),
                    ("client_id", &client),
                    ("client_secret", secret),
                    ("username", &upn),
                    ("password", password),
                    ("resource", "https://api.partnercenter.microsoft.com"),
                ],
            )
            .await;
            assert_eq!(status, 200, "{t}");
            t["access_token"].as_str().unwrap().to_owned()
        }
    };
    let token = sign_in(strong.upn.clone()).await;
    let _ = sign_in(weak.upn.clone()).await;

    let (status, principals) = get(&s, &token, "/v1/nonMfaCompliantPartnerPrincipals").await;
    assert_eq!(status, 200, "{principals}");
    assert_eq!(principals["totalCount"], 1, "{principals}");
    assert_eq!(principals["items"][0]["upn"], weak.upn);
    assert_eq!(
        principals["items"][0]["objectId"],
        weak.object_id.to_string()
    );
    // Sign-ins are no API requests: the list holds only the principals call.
    let (_, requests) = get(&s, &token, "/v1/partnerRequests").await;
    assert_eq!(requests["totalCount"], 1, "{requests}");
    assert_eq!(
        requests["items"][0]["operationName"],
        "Get /v{version}/nonMfaCompliantPartnerPrincipals"
    );
    // Another partner's report knows nothing of these.
    let (_, theirs) = get(
        &s,
        &s.user_token().await,
        "/v1/nonMfaCompliantPartnerPrincipals",
    )
    .await;
    assert_eq!(theirs["totalCount"], 0);
}
