//! Microsoft Customer Agreement attestation: the catalogue, confirmations, direct signature
//! and document links, in the public cloud only.

use partnerd::auth::cloud::Cloud;
use partnerd::config::Settings;
use partnerd_store::ManualClock;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

const MCA: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
const CLOUD: &str = "998b88de-aa99-4388-a42c-1b3517d49490";

async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    status_json(s.authed(Method::GET, path, token).send().await.unwrap()).await
}

async fn post(s: &TestServer, token: &str, path: &str, body: &Value) -> (u16, Value) {
    status_json(
        s.authed(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The body the .NET SDK sends: PascalCase, explicit nulls, local time without an offset.
fn dotnet_body(template: &str, phone: Option<&str>) -> Value {
    json!({
        "UserId": null,
        "PrimaryContact": {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@contoso.com",
                           "PhoneNumber": phone},
        "TemplateId": template,
        "DateAgreed": "2026-01-02T09:30:00",
        "Type": "MicrosoftCloudAgreement",
        "AgreementLink": null,
        "Attributes": {"ObjectType": "Agreement"}
    })
}

#[tokio::test]
async fn the_catalogue_defaults_to_the_cloud_agreement() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let (status, page) = get(&s, &user, "/v1/agreements").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["items"][0]["agreementType"], "MicrosoftCloudAgreement");
    assert_eq!(page["links"]["self"]["uri"], "/agreements");
    let (_, all) = get(&s, &user, "/v1/agreements?agreementType=*").await;
    assert_eq!(all["totalCount"], 2);
    let (_, mca) = get(
        &s,
        &user,
        "/v1/agreements?agreementType=MicrosoftCustomerAgreement",
    )
    .await;
    assert_eq!(
        mca["items"][0],
        json!({"templateId": MCA, "agreementType": "MicrosoftCustomerAgreement",
               "agreementLink": "https://aka.ms/customeragreement", "versionRank": 0,
               "attributes": {"objectType": "AgreementMetaData"}})
    );
    let (status, e) = get(&s, &user, "/v1/agreements?agreementType=Other").await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(800002)));
    let app = s.app_token().await;
    assert_fault(
        s.authed(Method::GET, "/v1/agreements", &app)
            .send()
            .await
            .unwrap(),
        403,
        2032,
    )
    .await;
}

#[tokio::test]
async fn confirmations_follow_the_template_and_refuse_duplicates() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "attest.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/agreements");

    let (status, a) = post(&s, &user, &path, &dotnet_body(MCA, None)).await;
    assert_eq!(status, 201, "{a}");
    // The type follows the template, whatever the body said; userId is the token's user.
    assert_eq!(a["type"], "MicrosoftCustomerAgreement");
    assert_eq!(a["userId"], s.partner.user_object_id);
    assert_eq!(a["dateAgreed"], "2026-01-02T09:30:00");
    assert_eq!(a["agreementLink"], "https://aka.ms/customeragreement");
    assert_eq!(a["primaryContact"]["email"], "ada@contoso.com");

    // Listed under its type, and not by default (the Cloud Agreement) .
    let (_, none) = get(&s, &user, &path).await;
    assert_eq!(none["totalCount"], 0, "{none}");
    let (_, listed) = get(
        &s,
        &user,
        &format!("{path}?agreementType=MicrosoftCustomerAgreement"),
    )
    .await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(listed["items"][0], a);

    // The same template and contact: 409/600061 with the documented extra keys.
    let (status, e) = post(&s, &user, &path, &dotnet_body(MCA, None)).await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["code"], 600061);
    assert_eq!(e["errorName"], "PartnerConfirmedAgreementAlreadyExists");
    assert_eq!(e["isRetryable"], false);
    assert_eq!(e["parameters"], json!({}));
    assert_eq!(e["errorMessageExtended"], "InternalErrorCode=600061");
    assert_eq!(e["message"], e["description"]);
    // A changed contact is a new confirmation.
    let (status, _) = post(&s, &user, &path, &dotnet_body(MCA, Some("+1 425 555 0100"))).await;
    assert_eq!(status, 201);
    let (_, all) = get(&s, &user, &format!("{path}?agreementType=*")).await;
    assert_eq!(all["totalCount"], 2);

    // The retired Cloud Agreement, an unknown template, a future date, a missing contact.
    let (status, e) = post(&s, &user, &path, &dotnet_body(CLOUD, None)).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(990013)), "{e}");
    assert!(e["description"]
        .as_str()
        .unwrap()
        .contains("no longer supported"));
    let (status, e) = post(&s, &user, &path, &dotnet_body(&MCA.to_uppercase(), None)).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)), "{e}");
    let mut future = dotnet_body(MCA, Some("2"));
    future["DateAgreed"] = json!("2999-01-01T00:00:00Z");
    let (status, e) = post(&s, &user, &path, &future).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(600002)), "{e}");
    let (status, e) = post(
        &s,
        &user,
        &path,
        &json!({"templateId": MCA, "dateAgreed": "2026-01-01T00:00:00Z", "primaryContact": {"firstName": "A"}}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)), "{e}");
    assert_eq!(e["data"].as_array().unwrap().len(), 2, "{e}");

    // App-only: 403/2032; another partner: 403/20002.
    let app = s.app_token().await;
    let (status, _) = post(&s, &app, &path, &dotnet_body(MCA, Some("3"))).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_retried_confirmation_replays() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s
        .create_customer(&user, "replay-attest.onmicrosoft.com")
        .await;
    let path = format!("/v1/customers/{}/agreements", c["id"].as_str().unwrap());
    let send = || {
        s.authed(Method::POST, &path, &user)
            .header("MS-RequestId", "0f3a1c5e-0000-4000-8000-000000000007")
            .json(&dotnet_body(MCA, None))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 201);
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201, "a replay, not 409/600061");
    assert_eq!(again.headers()["ms-idempotent-replay"], "true");
}

#[tokio::test]
async fn direct_signature_is_set_through_the_control_plane() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "direct.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    // As the .NET SDK spells the route.
    let path = format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus");
    assert_eq!(
        get(&s, &user, &path).await,
        (200, json!({"isSigned": false}))
    );
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/customers/{id}/direct-sign"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await, (200, json!({"isSigned": true})));
    assert_eq!(
        get(&s, &user, &path).await,
        (200, json!({"isSigned": true}))
    );
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/customers/{id}/direct-sign"),
        )
        .json(&json!({"isSigned": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        get(&s, &user, &path).await,
        (200, json!({"isSigned": false}))
    );
}

#[tokio::test]
async fn document_links_are_signed_new_each_time_and_expire() {
    let clock = ManualClock::new();
    let s = TestServer::start_with_clock(Settings::default(), clock.clone()).await;
    let user = s.user_token().await;
    let path = format!("/v1/agreementTemplates/{MCA}/document");
    let (status, d) = get(&s, &user, &path).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["country"].as_str(), d["language"].as_str()),
        (Some("US"), Some("en-US"))
    );
    let (_, again) = get(&s, &user, &path).await;
    assert_ne!(
        again["downloadUri"], d["downloadUri"],
        "a new link per call"
    );

    let display = s
        .http
        .get(d["displayUri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(display.status(), 200);
    assert!(display.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let text = display.text().await.unwrap();
    assert!(text.contains("placeholder"), "{text}");
    let download = s
        .http
        .get(d["downloadUri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/rtf");
    assert!(download.text().await.unwrap().starts_with("{\\rtf1"));

    // An altered link, then any link after five minutes: 403/990014.
    let altered = d["downloadUri"].as_str().unwrap().replace("/US/", "/DE/");
    assert_fault(s.http.get(&altered).send().await.unwrap(), 403, 990014).await;
    clock.advance(301);
    assert_fault(
        s.http
            .get(d["displayUri"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
        403,
        990014,
    )
    .await;

    // Countries are case-sensitive; languages fall back to en-US; template ids are exact.
    let (_, de) = get(&s, &user, &format!("{path}?country=DE&language=de-de")).await;
    assert_eq!(
        (de["country"].as_str(), de["language"].as_str()),
        (Some("DE"), Some("de-DE"))
    );
    let (_, us) = get(&s, &user, &format!("{path}?country=US&language=fr-FR")).await;
    assert_eq!(us["language"], "en-US");
    let (status, e) = get(&s, &user, &format!("{path}?country=us")).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(800002)), "{e}");
    let upper = format!("/v1/agreementtemplates/{}/document", MCA.to_uppercase());
    assert_fault(
        s.authed(Method::GET, &upper, &user).send().await.unwrap(),
        404,
        1000,
    )
    .await;
    let cloud = format!("/v1/agreementtemplates/{CLOUD}/document");
    assert_fault(
        s.authed(Method::GET, &cloud, &user).send().await.unwrap(),
        400,
        800002,
    )
    .await;
}

#[tokio::test]
async fn other_clouds_have_no_agreements() {
    for cloud in [Cloud::UsGov, Cloud::China] {
        let s = TestServer::start_with(Settings {
            cloud,
            ..Settings::default()
        })
        .await;
        let user = s.user_token().await;
        let c = s.create_customer(&user, "gov-attest.onmicrosoft.com").await;
        let id = c["id"].as_str().unwrap();
        for path in [
            "/v1/agreements".to_owned(),
            format!("/v1/customers/{id}/agreements"),
            format!("/v1/customers/{id}/directsignedmicrosoftcustomeragreementstatus"),
            format!("/v1/agreementtemplates/{MCA}/document"),
        ] {
            assert_fault(
                s.authed(Method::GET, &path, &user).send().await.unwrap(),
                404,
                1000,
            )
            .await;
        }
        let r = s
            .authed(
                Method::POST,
                &format!("/v1/customers/{id}/agreements"),
                &user,
            )
            .json(&dotnet_body(MCA, None))
            .send()
            .await
            .unwrap();
        assert_fault(r, 404, 1000).await;
    }
}
