//! Customers: create, validation, get, PATCH (seed 000), DELETE, domains, relationships.

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

fn is_guid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

#[tokio::test]
async fn create_returns_the_full_customer_once_with_credentials() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    let mut body = customer_body("Contoso2.OnMicrosoft.com");
    body["billingProfile"]["culture"] = json!("EN-us");
    body["billingProfile"]["language"] = json!("En");
    let c = s
        .create_customer_named(&token, "contoso1.onmicrosoft.com", "Contoso")
        .await;
    assert!(is_guid(&c["id"]) && is_guid(&c["commerceId"]) && is_guid(&c["billingProfile"]["id"]));
    assert_eq!(c["companyProfile"]["tenantId"], c["id"]);
    assert_ne!(c["billingProfile"]["id"], c["id"]);
    assert_eq!(c["companyProfile"]["domain"], "contoso1.onmicrosoft.com");
    assert_eq!(c["customDomains"], json!(["contoso1.onmicrosoft.com"]));
    assert_eq!(c["relationshipToPartner"], "reseller");
    assert_eq!(c["allowDelegatedAccess"], true);
    assert_eq!(c["userCredentials"]["userName"], "admin");
    assert!(c["userCredentials"]["password"].as_str().unwrap().len() >= 16);
    let etag = c["billingProfile"]["attributes"]["etag"].as_str().unwrap();
    assert!(etag.parse::<i64>().is_ok());
    assert_eq!(c["attributes"]["objectType"], "Customer");

    // Culture normalised, language echoed, domain lower-cased.
    let r = s
        .authed(Method::POST, "/v1/customers", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, c2) = status_json(r).await;
    assert_eq!(status, 201, "{c2}");
    assert_eq!(c2["billingProfile"]["culture"], "en-US");
    assert_eq!(c2["billingProfile"]["language"], "En");
    assert_eq!(c2["companyProfile"]["domain"], "contoso2.onmicrosoft.com");
    assert_ne!(c2["id"], c["id"]);

    // The password is returned only by the create.
    let id = c["id"].as_str().unwrap();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &token)
        .send()
        .await
        .unwrap();
    let (status, got) = status_json(r).await;
    assert_eq!(status, 200);
    assert!(got.get("userCredentials").is_none());
    assert_eq!(got["billingProfile"], c["billingProfile"]);
}

#[tokio::test]
async fn dotnet_sdk_body_with_pascal_case_and_nulls_is_accepted() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    let body = json!({
        "Id": null, "CommerceId": null,
        "CompanyProfile": {"TenantId": null, "Domain": "sdkco.onmicrosoft.com", "CompanyName": null, "Links": null,
                           "Attributes": {"ObjectType": "CustomerCompanyProfile"}},
        "BillingProfile": {"Id": null, "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@sdk.example", "Culture": "en-US",
            "Language": "en", "CompanyName": "SDK Co",
            "DefaultAddress": {"Country": "US", "Region": null, "City": "Redmond", "State": "WA", "AddressLine1": "1 Way",
                "AddressLine2": null, "PostalCode": "98052", "FirstName": "Ada", "LastName": "Lovelace", "PhoneNumber": null},
            "Links": null, "Attributes": {"Etag": null, "ObjectType": "CustomerBillingProfile"}},
        "RelationshipToPartner": "unknown", "AllowDelegatedAccess": null, "UserCredentials": null,
        "CustomDomains": null, "AssociatedPartnerId": null,
        "Links": null, "Attributes": {"ObjectType": "Customer"}
    });
    let r = s
        .authed(Method::POST, "/v1/customers", &token)
        .header("Expect", "100-continue")
        .header("MS-Contract-Version", "api-version: v1")
        .header("X-Locale", "en-US")
        .header("MS-PartnerCenter-Client", "Partner Center .NET SDK")
        .header("MS-SdkVersion", "1.15.6.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, c) = status_json(r).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["billingProfile"]["companyName"], "SDK Co");
    assert_eq!(c["companyProfile"]["companyName"], "SDK Co");
}

async fn create_fault(s: &TestServer, token: &str, body: Value, status: u16, code: i64) -> Value {
    let r = s
        .authed(Method::POST, "/v1/customers", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_fault(r, status, code).await
}

fn data_mentions(fault: &Value, needle: &str) -> bool {
    fault["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d.as_str().unwrap_or_default().contains(needle))
}

#[tokio::test]
async fn create_validation_errors_name_the_property() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "companyProfile.domain",
            Box::new(|b| b["companyProfile"] = json!({})),
        ),
        (
            "companyProfile.domain",
            Box::new(|b| b["companyProfile"]["domain"] = json!("contoso.com")),
        ),
        (
            "billingProfile.email",
            Box::new(|b| b["billingProfile"]["email"] = json!(null)),
        ),
        (
            "billingProfile.email",
            Box::new(|b| b["billingProfile"]["email"] = json!("not-an-address")),
        ),
        (
            "billingProfile.culture",
            Box::new(|b| b["billingProfile"]["culture"] = json!("english")),
        ),
        (
            "billingProfile.language",
            Box::new(|b| {
                b["billingProfile"]
                    .as_object_mut()
                    .unwrap()
                    .remove("language")
                    .map(|_| ())
                    .unwrap()
            }),
        ),
        (
            "billingProfile.companyName",
            Box::new(|b| b["billingProfile"]["companyName"] = json!("")),
        ),
        (
            "billingProfile.defaultAddress",
            Box::new(|b| b["billingProfile"]["defaultAddress"] = json!(null)),
        ),
        (
            "billingProfile.defaultAddress.country",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["country"] = json!("UK")),
        ),
        (
            "billingProfile.defaultAddress.city",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["city"] = json!(null)),
        ),
        (
            "billingProfile.defaultAddress.postalCode",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["postalCode"] = json!(" ")),
        ),
        (
            "billingProfile.defaultAddress.addressLine1",
            Box::new(|b| {
                b["billingProfile"]["defaultAddress"]["addressLine1"] = json!("x".repeat(201))
            }),
        ),
        (
            "billingProfile.defaultAddress.addressLine2",
            Box::new(|b| {
                b["billingProfile"]["defaultAddress"]["addressLine2"] = json!("x".repeat(201))
            }),
        ),
        (
            "billingProfile.defaultAddress.firstName",
            Box::new(|b| {
                b["billingProfile"]["defaultAddress"]["firstName"] = json!("x".repeat(51))
            }),
        ),
        (
            "billingProfile.defaultAddress.state",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["state"] = json!(null)),
        ),
        (
            "billingProfile.defaultAddress.state",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["state"] = json!("ZZ")),
        ),
        (
            "billingProfile.defaultAddress.region",
            Box::new(|b| b["billingProfile"]["defaultAddress"]["region"] = json!("NA")),
        ),
        (
            "userCredentials.password",
            Box::new(|b| {
                b["userCredentials"] = json!({"userName": "admin", "password": "Secret123!"})
            }),
        ),
    ];
    for (path, change) in cases {
        let mut body = customer_body("valid.onmicrosoft.com");
        change(&mut body);
        let fault = create_fault(&s, &t, body, 400, 27002).await;
        assert!(data_mentions(&fault, path), "{path}: {fault}");
    }
    // Nothing was created by any of them.
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 0);
}

#[tokio::test]
async fn country_rules_have_their_own_codes() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let brazil = |reg: Option<&str>, phone: Option<&str>| {
        let mut b = customer_body("brasil.onmicrosoft.com");
        b["billingProfile"]["defaultAddress"] = json!({
            "country": "BR", "city": "São Paulo", "addressLine1": "Av. Paulista 1000", "postalCode": "01310-100",
            "phoneNumber": phone
        });
        if let Some(reg) = reg {
            b["companyProfile"]["organizationRegistrationNumber"] = json!(reg);
        }
        b
    };
    create_fault(&s, &t, brazil(None, Some("+551199999999")), 400, 600049).await;
    create_fault(
        &s,
        &t,
        brazil(Some("??"), Some("+551199999999")),
        400,
        600050,
    )
    .await;
    create_fault(
        &s,
        &t,
        brazil(Some("12.345.678/0001-95"), None),
        400,
        600051,
    )
    .await;
    let mut us = customer_body("usreg.onmicrosoft.com");
    us["companyProfile"]["organizationRegistrationNumber"] = json!("123456");
    create_fault(&s, &t, us, 400, 600002).await;
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .json(&brazil(Some("12.345.678/0001-95"), Some("+551199999999")))
        .send()
        .await
        .unwrap();
    let (status, c) = status_json(r).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        c["companyProfile"]["organizationRegistrationNumber"],
        "12.345.678/0001-95"
    );
}

#[tokio::test]
async fn malformed_bodies_are_800002_naming_the_path() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    for raw in ["{", "", "[1,2]", "{\"billingProfile\": 5}"] {
        let r = s
            .authed(Method::POST, "/v1/customers", &t)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_fault(r, 400, 800002).await;
    }
    let mut body = customer_body("typed.onmicrosoft.com");
    body["billingProfile"]["defaultAddress"]["city"] = json!(5);
    let f = create_fault(&s, &t, body, 400, 800002).await;
    assert!(
        f["description"]
            .as_str()
            .unwrap()
            .contains("billingProfile.defaultAddress.city"),
        "{f}"
    );
    let mut body = customer_body("enum.onmicrosoft.com");
    body["relationshipToPartner"] = json!("best_friend");
    let f = create_fault(&s, &t, body, 400, 800002).await;
    assert!(
        f["description"]
            .as_str()
            .unwrap()
            .contains("relationshipToPartner"),
        "{f}"
    );
}

#[tokio::test]
async fn domains_are_unique_across_partners() {
    let s = TestServer::start().await;
    let other = s.add_partner("Northwind", PartnerKind::Sandbox, None).await;
    s.create_customer(&s.app_token().await, "taken.onmicrosoft.com")
        .await;
    let body = customer_body("TAKEN.onmicrosoft.com");
    create_fault(&s, &s.app_token_of(&other).await, body, 409, 990001).await;
    // A partner tenant's own domain is never a customer's, in any casing.
    let body = customer_body(&other.domain.to_uppercase());
    create_fault(&s, &s.app_token().await, body, 409, 990001).await;
    // And a partner made later never takes a customer's domain: "taken" is a customer's.
    let later = s.add_partner("Taken", PartnerKind::Sandbox, None).await;
    assert_ne!(later.domain, "taken.onmicrosoft.com");
    assert!(
        later.domain.ends_with(".onmicrosoft.com"),
        "{}",
        later.domain
    );
}

#[tokio::test]
async fn the_sandbox_cap_is_enforced() {
    let s = TestServer::start().await;
    let capped = s.add_partner("Capped", PartnerKind::Sandbox, Some(2)).await;
    let t = s.app_token_of(&capped).await;
    s.create_customer(&t, "cap1.onmicrosoft.com").await;
    s.create_customer(&t, "cap2.onmicrosoft.com").await;
    create_fault(&s, &t, customer_body("cap3.onmicrosoft.com"), 400, 800018).await;
    // The domain of the refused create was not taken.
    let r = s
        .authed(Method::HEAD, "/v1/domains/cap3.onmicrosoft.com", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn get_by_id_errors() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "mine.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let r = s
        .authed(Method::GET, "/v1/customers/not-a-guid", &t)
        .send()
        .await
        .unwrap();
    let f = assert_fault(r, 400, 2000).await;
    assert_eq!(f["description"], "Tenant Id must be a GUID.");
    let missing = uuid::Uuid::new_v4();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{missing}"), &t)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
    let other = s.add_partner("Stranger", PartnerKind::Sandbox, None).await;
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}"),
            &s.app_token_of(&other).await,
        )
        .send()
        .await
        .unwrap();
    let f = assert_fault(r, 403, 20002).await;
    assert_eq!(
        f["description"],
        "No relationship between caller and account."
    );
    // Upper-case ids are the same customer.
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{}", id.to_uppercase()),
            &t,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn seed_000_removing_the_reseller_relationship() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = s.create_customer(&t, "leaving.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    // As the docs show it: trailing slash, PascalCase-free minimal body.
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}/"), &t)
        .json(&json!({"relationshipToPartner": "none", "attributes": {"objectType": "Customer"}}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["relationshipToPartner"], "none");
    assert_eq!(body["id"], c["id"]);

    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 20002).await;
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 0);
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &t)
        .json(&json!({"RelationshipToPartner": "None"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 3000).await;
    // The customer itself still exists: its domain stays taken.
    let r = s
        .authed(Method::HEAD, "/v1/domains/leaving.onmicrosoft.com", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn removing_delegated_access_and_both_at_once() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let a = s.create_customer(&t, "dap.onmicrosoft.com").await;
    let id = a["id"].as_str().unwrap();
    // The .NET SDK's DAP body carries RelationshipToPartner "unknown" (not set).
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &t)
        .json(&json!({"AllowDelegatedAccess": false, "RelationshipToPartner": "unknown"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["allowDelegatedAccess"], false);
    assert_eq!(body["relationshipToPartner"], "reseller");
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["allowDelegatedAccess"], false);

    let b = s.create_customer(&t, "both.onmicrosoft.com").await;
    let id = b["id"].as_str().unwrap();
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &t)
        .json(&json!({"allowDelegatedAccess": false, "relationshipToPartner": 5}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["relationshipToPartner"], "none");
    assert_eq!(body["allowDelegatedAccess"], false);
}

#[tokio::test]
async fn patch_with_nothing_removable_is_3000() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let c = s.create_customer(&t, "stay.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    for body in [
        json!({}),
        json!({"relationshipToPartner": "unknown"}),
        json!({"relationshipToPartner": "reseller", "allowDelegatedAccess": true}),
        json!({"billingProfile": {"email": "x@y.z"}}),
    ] {
        let r = s
            .authed(Method::PATCH, &format!("/v1/customers/{id}"), &t)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_fault(r, 400, 3000).await;
    }
    let missing = uuid::Uuid::new_v4();
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{missing}"), &t)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
}

#[tokio::test]
async fn delete_is_for_sandbox_partners_and_frees_the_domain() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "gone.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();

    let stranger = s.add_partner("Stranger", PartnerKind::Sandbox, None).await;
    let r = s
        .authed(
            Method::DELETE,
            &format!("/v1/customers/{id}"),
            &s.app_token_of(&stranger).await,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 20002).await;

    let r = s
        .authed(Method::DELETE, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.text().await.unwrap().is_empty());
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
    let r = s
        .authed(Method::DELETE, &format!("/v1/customers/{id}"), &t)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
    let r = s
        .authed(Method::HEAD, "/v1/domains/gone.onmicrosoft.com", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    s.create_customer(&t, "gone.onmicrosoft.com").await;

    let prod = s
        .add_partner("Production Co", PartnerKind::Production, None)
        .await;
    let pt = s.app_token_of(&prod).await;
    let pc = s.create_customer(&pt, "prodcust.onmicrosoft.com").await;
    let r = s
        .authed(
            Method::DELETE,
            &format!("/v1/customers/{}", pc["id"].as_str().unwrap()),
            &pt,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 900127).await;
}

#[tokio::test]
async fn domain_checks() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    s.create_customer(&t, "held.onmicrosoft.com").await;
    let other = s.add_partner("Other", PartnerKind::Sandbox, None).await;
    let ot = s.app_token_of(&other).await;
    let r = s
        .authed(Method::HEAD, "/v1/domains/HELD.onmicrosoft.com", &ot)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());
    let r = s
        .authed(Method::HEAD, "/v1/domains/free.onmicrosoft.com", &ot)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().is_empty());
    let r = s
        .authed(
            Method::GET,
            "/v1/validations/checkdomainavailability/held",
            &ot,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await, (200, json!(false)));
    let r = s
        .authed(
            Method::GET,
            "/v1/validations/checkdomainavailability/free",
            &ot,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await, (200, json!(true)));
    let r = s
        .request(Method::HEAD, "/v1/domains/held.onmicrosoft.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn indirect_provider_and_reseller() {
    let s = TestServer::start().await;
    let provider = &s.partner;
    let reseller = s.add_partner("Reseller", PartnerKind::Sandbox, None).await;
    let stranger = s.add_partner("Stranger", PartnerKind::Sandbox, None).await;
    s.store
        .link_partners(&provider.tenant(), &reseller.tenant())
        .await
        .unwrap();
    let pt = s.user_token().await;

    // Only a linked reseller may be named.
    let mut body = customer_body("viastranger.onmicrosoft.com");
    body["associatedPartnerId"] = json!(stranger.tenant_id);
    let f = create_fault(&s, &pt, body, 400, 27002).await;
    assert!(data_mentions(&f, "associatedPartnerId"), "{f}");

    let mut body = customer_body("indirect.onmicrosoft.com");
    body["associatedPartnerId"] = json!(reseller.tenant_id);
    let r = s
        .authed(Method::POST, "/v1/customers", &pt)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, c) = status_json(r).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["associatedPartnerId"], json!(reseller.tenant_id));
    let id = c["id"].as_str().unwrap().to_owned();
    s.create_customer(&pt, "direct.onmicrosoft.com").await;

    // The provider finds the reseller's customers with the IndirectReseller filter.
    let filter = json!({"Field": "IndirectReseller", "Value": reseller.tenant_id, "Operator": "starts_with"}).to_string();
    let r = s
        .authed(Method::GET, "/v1/customers", &pt)
        .query(&[("size", "0"), ("filter", filter.as_str())])
        .send()
        .await
        .unwrap();
    let (_, page) = status_json(r).await;
    assert_eq!(page["totalCount"], 1, "{page}");
    assert_eq!(page["items"][0]["id"], json!(id));

    // The reseller sees the customer too, and finds it by provider.
    let rt = s.user_token_of(&reseller).await;
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &rt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let filter = json!({"field": "IndirectCloudSolutionProvider", "value": provider.tenant_id, "operator": "StartsWith"}).to_string();
    let r = s
        .authed(Method::GET, "/v1/customers", &rt)
        .query(&[("filter", filter.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 1);

    // Relationship routes.
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/relationships"),
            &pt,
        )
        .send()
        .await
        .unwrap();
    let (status, rels) = status_json(r).await;
    assert_eq!(status, 200, "{rels}");
    assert_eq!(rels["totalCount"], 1);
    // Each item says what the caller is to the listed partner: the provider is the indirect
    // cloud solution provider of its reseller.
    assert_eq!(rels["items"][0]["id"], json!(reseller.tenant_id));
    assert_eq!(
        rels["items"][0]["relationshipType"],
        "is_indirect_cloud_solution_provider_of"
    );
    assert_eq!(rels["items"][0]["state"], "Active");
    assert_eq!(
        rels["items"][0]["attributes"]["objectType"],
        "PartnerRelationship"
    );
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/relationships"),
            &rt,
        )
        .send()
        .await
        .unwrap();
    let (_, rels) = status_json(r).await;
    assert_eq!(rels["items"][0]["id"], json!(provider.tenant_id), "{rels}");
    assert_eq!(
        rels["items"][0]["relationshipType"],
        "is_indirect_reseller_of"
    );
    // As PowerShell's Get-PartnerIndirectReseller asks: the caller's indirect resellers.
    let r = s
        .authed(
            Method::GET,
            "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf",
            &pt,
        )
        .send()
        .await
        .unwrap();
    let (_, rels) = status_json(r).await;
    assert_eq!(rels["totalCount"], 1, "{rels}");
    assert_eq!(rels["items"][0]["id"], json!(reseller.tenant_id), "{rels}");
    assert_eq!(
        rels["items"][0]["relationshipType"],
        "is_indirect_cloud_solution_provider_of"
    );
    let r = s
        .authed(
            Method::GET,
            "/v1/relationships?relationship_type=is_indirect_reseller_of",
            &pt,
        )
        .send()
        .await
        .unwrap();
    let (_, rels) = status_json(r).await;
    assert_eq!(
        rels["totalCount"], 0,
        "the provider has no providers: {rels}"
    );
    let r = s
        .authed(Method::GET, "/v1/relationships", &rt)
        .send()
        .await
        .unwrap();
    let (_, rels) = status_json(r).await;
    assert_eq!(rels["items"][0]["id"], json!(provider.tenant_id), "{rels}");
    assert_eq!(
        rels["items"][0]["relationshipType"],
        "is_indirect_reseller_of"
    );
    // The .NET SDK's relationship query filters by name with starts_with or substring.
    for (operator, value, found) in [
        ("starts_with", "resel", 1),
        ("substring", "SELL", 1),
        ("starts_with", "sell", 0),
        ("substring", "nobody", 0),
    ] {
        let filter = json!({"Field": "Name", "Value": value, "Operator": operator}).to_string();
        let r = s
            .authed(Method::GET, "/v1/relationships", &pt)
            .query(&[("filter", filter.as_str())])
            .send()
            .await
            .unwrap();
        let (status, rels) = status_json(r).await;
        assert_eq!(
            (status, rels["totalCount"].clone()),
            (200, json!(found)),
            "{operator} {value}: {rels}"
        );
    }

    // An indirect reseller cannot remove the customer relationship: it must go through its
    // provider. Nothing changes.
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &rt)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 3000).await;
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &rt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the reseller still sees the customer");
    let r = s
        .authed(
            Method::GET,
            "/v1/relationships?relationship_type=nonsense",
            &pt,
        )
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;

    // The provider leaving does not take the customer away from the reseller.
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &pt)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/customers/{id}/profiles/billing"),
            &rt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Contract: "Bodies in" and "Customers". A control character in any text is 27002 naming
/// the property, on create and on a billing PUT; a domain with surrounding whitespace is
/// refused (27002), not trimmed.
#[tokio::test]
async fn control_characters_and_a_padded_domain_are_refused() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    const CONTROL: &str = "must not contain control characters (U+0000 to U+001F)";
    let mut body = customer_body("control.onmicrosoft.com");
    body["billingProfile"]["companyName"] = json!("Contoso\u{7}");
    let fault = create_fault(&s, &t, body, 400, 27002).await;
    assert_eq!(
        fault["data"],
        json!([format!(
            "property_name: billingProfile.companyName - {CONTROL}"
        )])
    );
    let mut body = customer_body("control.onmicrosoft.com");
    body["billingProfile"]["defaultAddress"]["addressLine2"] = json!("Floor 2\r\nRoom 9");
    let fault = create_fault(&s, &t, body, 400, 27002).await;
    assert!(
        data_mentions(&fault, "billingProfile.defaultAddress.addressLine2"),
        "{fault}"
    );

    for domain in [
        " padded.onmicrosoft.com",
        "padded.onmicrosoft.com ",
        "\u{a0}padded.onmicrosoft.com",
    ] {
        let fault = create_fault(&s, &t, customer_body(domain), 400, 27002).await;
        assert_eq!(
            fault["data"],
            json!(["property_name: companyProfile.domain - must not have surrounding whitespace"]),
            "{domain:?}"
        );
    }
    // Nothing was created by any of them: the bare domain is still free.
    let c = s.create_customer(&t, "padded.onmicrosoft.com").await;
    assert_eq!(c["companyProfile"]["domain"], "padded.onmicrosoft.com");

    // A billing PUT is held to the same rule, with paths relative to the profile.
    let id = c["id"].as_str().unwrap();
    let mut profile = c["billingProfile"].clone();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    profile["defaultAddress"]["city"] = json!("Red\tmond");
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("If-Match", format!("\"{etag}\""))
        .json(&profile)
        .send()
        .await
        .unwrap();
    let fault = assert_fault(r, 400, 27002).await;
    assert_eq!(
        fault["data"],
        json!([format!("property_name: defaultAddress.city - {CONTROL}")])
    );
}
