//! Qualifications (current and synchronous pairs), the review rule and its control-plane
//! override, and the GCC validation codes a GovernmentCommunityCloud qualification uses.

use partnerd::config::Settings;
use partnerd_store::{ManualClock, PartnerKind};
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

async fn post(s: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
    status_json(
        s.authed(Method::POST, path, token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get(s: &TestServer, token: &str, path: &str) -> (u16, Value) {
    status_json(s.authed(Method::GET, path, token).send().await.unwrap()).await
}

#[tokio::test]
async fn education_is_reviewed_by_the_clock_rule_and_the_control_plane() {
    let clock = ManualClock::new();
    let s = TestServer::start_with_clock(
        Settings {
            qualification_review_secs: 3600,
            ..Settings::default()
        },
        clock.clone(),
    )
    .await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "school.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/qualifications");

    // Unqualified: an empty array; the synchronous view says none.
    assert_eq!(get(&s, &user, &path).await, (200, json!([])));
    let legacy = format!("/v1/customers/{id}/qualification");
    assert_eq!(get(&s, &user, &legacy).await, (200, json!("none")));

    // Education needs its segment.
    let (status, e) = post(&s, &user, &path, json!({"qualification": "Education"})).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)), "{e}");
    assert!(e["data"][0].as_str().unwrap().contains("educationSegment"));

    // The .NET SDK's body: PascalCase keys, explicit nulls.
    let (status, q) = post(
        &s,
        &user,
        &path,
        json!({"Qualification": "Education", "EducationSegment": "HigherEducation",
               "ValidationCode": null, "Website": "https://contoso.edu"}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    assert_eq!(q["qualification"], "Education");
    assert_eq!(q["vettingStatus"], "InReview");
    assert!(q["vettingCreateDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(q.as_object().unwrap().len(), 3, "{q}");

    // In review until the delay has passed, then approved.
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list[0]["vettingStatus"], "InReview");
    clock.advance(3600);
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list[0]["vettingStatus"], "Approved");
    assert_eq!(get(&s, &user, &legacy).await, (200, json!("education")));

    // Asked again: a conflict; GCC is excluded by Education.
    let (status, e) = post(
        &s,
        &user,
        &path,
        json!({"qualification": "Education", "educationSegment": "K12"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (409, Some(990009)), "{e}");

    // The control plane overrides the review.
    let review = format!("/_partnerd/customers/{id}/qualifications/education/review");
    let r = s
        .admin(Method::POST, &review)
        .json(&json!({"decision": "Denied", "reason": "Not accredited"}))
        .send()
        .await
        .unwrap();
    let (status, reviewed) = status_json(r).await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(reviewed["vettingStatus"], "Denied");
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list[0]["vettingReason"], "Not accredited");
    assert_eq!(get(&s, &user, &legacy).await, (200, json!("none")));
    // Without the admin token the control plane answers 401.
    let r = s
        .request(Method::POST, &review)
        .json(&json!({"decision": "Approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn a_website_that_says_deny_is_denied() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "denied.onmicrosoft.com").await;
    let path = format!("/v1/customers/{}/qualifications", c["id"].as_str().unwrap());
    let (status, q) = post(
        &s,
        &user,
        &path,
        json!({"qualification": "education", "educationSegment": "k12", "website": "deny.example.org"}),
    )
    .await;
    assert_eq!(
        (status, q["vettingStatus"].as_str()),
        (201, Some("InReview"))
    );
    // The default delay is none: the next read sees the decision.
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list[0]["vettingStatus"], "Denied");
    assert_eq!(list[0]["vettingReason"], "Not an Education Customer");
    // A denied qualification may be asked for again.
    let (status, _) = post(
        &s,
        &user,
        &path,
        json!({"qualification": "Education", "educationSegment": "K12", "website": "school.example.org"}),
    )
    .await;
    assert_eq!(status, 201);
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list[0]["vettingStatus"], "Approved");
}

#[tokio::test]
async fn gcc_uses_the_partners_validation_codes() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let app = s.app_token().await;

    // A sandbox partner starts with one code of five creates.
    let (status, codes) = get(&s, &app, "/v1/customers/all/validations").await;
    assert_eq!(status, 200, "{codes}");
    assert_eq!(codes.as_array().unwrap().len(), 1);
    let code = codes[0]["validationId"].as_str().unwrap().to_owned();
    assert_eq!(codes[0]["partnerId"], s.partner.tenant_id);
    assert_eq!(codes[0]["maxCreates"], 5);
    assert_eq!(codes[0]["remainingCreates"], 5);
    let etag = codes[0]["eTag"].as_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\"datetime'"), "{etag}");

    let c = s.create_customer(&user, "agency.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/qualifications");
    let link = format!("/v1/customers/{id}/validations");
    assert_fault(
        s.authed(Method::GET, &link, &user).send().await.unwrap(),
        404,
        1000,
    )
    .await;

    // No code, an unknown code: 400/990010; app-only: 403/2032.
    let (status, e) = post(
        &s,
        &user,
        &path,
        json!({"qualification": "GovernmentCommunityCloud"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(990010)), "{e}");
    let (status, e) = post(
        &s,
        &user,
        &format!("{path}?code=nope"),
        json!({"qualification": "GovernmentCommunityCloud"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(990010)), "{e}");
    let (status, e) = post(
        &s,
        &app,
        &path,
        json!({"qualification": "StateOwnedEntity"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (403, Some(2032)), "{e}");

    // The documented ?code= form: approved at once, one create used.
    let (status, q) = post(
        &s,
        &user,
        &format!("{path}?code={code}"),
        json!({"Qualification": "GovernmentCommunityCloud"}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    assert_eq!(q["vettingStatus"], "Approved");
    let (_, codes) = get(&s, &app, "/v1/customers/all/validations").await;
    assert_eq!(codes[0]["remainingCreates"], 4);
    assert_ne!(codes[0]["eTag"], etag);
    let (status, l) = get(&s, &app, &link).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["validationId"], code.as_str());
    assert_eq!(l["customerId"], id);
    assert_eq!(l["partnerId"], s.partner.tenant_id);

    // A StateOwnedEntity joins it, without vetting fields; the legacy view still says GCC.
    let (status, soe) = post(
        &s,
        &user,
        &path,
        json!({"qualification": "StateOwnedEntity"}),
    )
    .await;
    assert_eq!(
        (status, soe),
        (201, json!({"qualification": "StateOwnedEntity"}))
    );
    assert_eq!(
        get(&s, &app, &format!("/v1/customers/{id}/qualification")).await,
        (200, json!("government_community_cloud"))
    );

    // Partners cannot set Nonprofit; the control plane can.
    let (status, e) = post(&s, &user, &path, json!({"qualification": "Nonprofit"})).await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(27002)), "{e}");
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/customers/{id}/qualifications"),
        )
        .json(&json!({"qualification": "Nonprofit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");

    // Codes through the control plane: a used-up code is refused.
    let codes_path = format!(
        "/_partnerd/partners/{}/validation-codes",
        s.partner.tenant_id
    );
    let r = s
        .admin(Method::POST, &codes_path)
        .json(&json!({"validationId": "GCC-ONE", "maxCreates": 1, "remainingCreates": 0}))
        .send()
        .await
        .unwrap();
    let (status, added) = status_json(r).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["organizationName"], "Fabrikam");
    let other = s.create_customer(&user, "agency2.onmicrosoft.com").await;
    let (status, e) = post(
        &s,
        &user,
        &format!(
            "/v1/customers/{}/qualifications",
            other["id"].as_str().unwrap()
        ),
        json!({"qualification": "GovernmentCommunityCloud", "validationCode": "GCC-ONE"}),
    )
    .await;
    assert_eq!((status, e["code"].as_i64()), (400, Some(990010)), "{e}");
    let (_, listed) = status_json(s.admin(Method::GET, &codes_path).send().await.unwrap()).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let r = s
        .admin(Method::DELETE, &format!("{codes_path}/GCC-ONE"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);

    // A reset takes the customers and refills the codes.
    let r = s
        .admin(
            Method::POST,
            &format!("/_partnerd/partners/{}/reset", s.partner.tenant_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, codes) = get(&s, &app, "/v1/customers/all/validations").await;
    assert_eq!(codes[0]["remainingCreates"], 5);
}

#[tokio::test]
async fn the_synchronous_pair_reads_and_writes_one_string() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "legacy.onmicrosoft.com").await;
    let path = format!("/v1/customers/{}/qualification", c["id"].as_str().unwrap());
    // The body is the enum alone: a string in any casing, or the ordinal.
    let r = s
        .authed(Method::PUT, &path, &user)
        .json(&json!(1))
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await, (200, json!("education")));
    let r = s
        .authed(Method::PUT, &path, &user)
        .json(&json!("education"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 409, 990009).await;
    let app = s.app_token().await;
    let r = s
        .authed(Method::PUT, &path, &app)
        .json(&json!("StateOwnedEntity"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 2032).await;
    assert_eq!(get(&s, &app, &path).await, (200, json!("education")));
    // XML speaks it too.
    let r = s
        .authed(Method::GET, &path, &app)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains(">education<"), "{text}");
}

#[tokio::test]
async fn a_retried_qualification_request_replays() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "retry.onmicrosoft.com").await;
    let path = format!("/v1/customers/{}/qualifications", c["id"].as_str().unwrap());
    let body = json!({"qualification": "StateOwnedEntity"});
    let send = || {
        s.authed(Method::POST, &path, &user)
            .header("MS-RequestId", "2a9c1d2e-0000-4000-8000-000000000001")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201, "replayed, not a 409");
    assert_eq!(again.headers()["ms-idempotent-replay"], "true");
    let (_, list) = get(&s, &user, &path).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let other = s.add_partner("Stranger", PartnerKind::Sandbox, None).await;
    let stranger = s.user_token_of(&other).await;
    assert_fault(
        s.authed(Method::GET, &path, &stranger)
            .send()
            .await
            .unwrap(),
        403,
        20002,
    )
    .await;
}

#[tokio::test]
async fn xml_bodies_ask_for_qualifications_too() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "xmlqual.onmicrosoft.com").await;
    let path = format!("/v1/customers/{}/qualifications", c["id"].as_str().unwrap());
    let r = s
        .authed(Method::POST, &path, &user)
        .header("content-type", "application/xml")
        .header("accept", "application/xml")
        .body("<CustomerQualificationRequest><Qualification>Education</Qualification><EducationSegment>K12</EducationSegment></CustomerQualificationRequest>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("<qualification>Education</qualification>")
            && text.contains("<vettingStatus>InReview</vettingStatus>"),
        "{text}"
    );
}
