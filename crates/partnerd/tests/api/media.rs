//! XML and form bodies: Accept negotiation, XML answers of every resource and error that
//! round-trip to the same value as JSON, and XML and form input.

use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use partnerd_wire::{
    decode_value, from_xml, ApiFault, Customer, CustomerBillingProfile, CustomerCompanyProfile,
    PartnerRelationship, ResourceCollection,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

/// GETs a path as JSON and as XML (both labels) and checks both give the same typed value.
async fn same_in_xml<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
    s: &TestServer,
    token: &str,
    path: &str,
    root: &str,
) -> T {
    let json: T = {
        let r = s.authed(Method::GET, path, token).send().await.unwrap();
        decode_value(r.json().await.unwrap()).unwrap()
    };
    for (accept, label) in [
        ("application/xml", "application/xml; charset=utf-8"),
        ("text/xml", "text/xml; charset=utf-8"),
    ] {
        let r = s
            .authed(Method::GET, path, token)
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], label);
        let text = r.text().await.unwrap();
        assert!(text.contains(&format!("<{root}")), "root {root}: {text}");
        let xml: T = decode_value(from_xml(text.as_bytes()).unwrap()).unwrap();
        assert_eq!(xml, json, "{path} as {accept}");
    }
    json
}

#[tokio::test]
async fn every_resource_reads_the_same_in_xml() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    let reseller = s
        .add_partner("Reseller", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    s.store
        .link_partners(&s.partner.tenant(), &reseller.tenant())
        .await
        .unwrap();
    let mut body = customer_body("xmlco.onmicrosoft.com");
    body["associatedPartnerId"] = json!(reseller.tenant_id);
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (_, c) = status_json(r).await;
    let id = c["id"].as_str().unwrap();
    s.create_customer(&t, "xmlco2.onmicrosoft.com").await;
    same_in_xml::<Customer>(&s, &t, &format!("/v1/customers/{id}"), "Customer").await;
    same_in_xml::<CustomerBillingProfile>(
        &s,
        &t,
        &format!("/v1/customers/{id}/profiles/billing"),
        "CustomerBillingProfile",
    )
    .await;
    same_in_xml::<CustomerCompanyProfile>(
        &s,
        &t,
        &format!("/v1/customers/{id}/profiles/company"),
        "CustomerCompanyProfile",
    )
    .await;
    let page = same_in_xml::<ResourceCollection<Customer>>(
        &s,
        &t,
        "/v1/customers?size=1",
        "ResourceCollection",
    )
    .await;
    assert!(
        page.continuation_token.is_some() && page.links.next.is_some(),
        "the next link survives XML"
    );
    same_in_xml::<ResourceCollection<PartnerRelationship>>(
        &s,
        &t,
        &format!("/v1/customers/{id}/relationships"),
        "ResourceCollection",
    )
    .await;
    let missing = uuid::Uuid::new_v4();
    let fault =
        same_in_xml::<ApiFault>(&s, &t, &format!("/v1/customers/{missing}"), "ApiFault").await;
    assert_eq!(fault.code, 60003);
    let r = s
        .authed(
            Method::GET,
            "/v1/validations/checkdomainavailability/free",
            &t,
        )
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<boolean>true</boolean>"));
}

#[tokio::test]
async fn xml_and_form_bodies_are_read_like_json() {
    let s = TestServer::start().await;
    let t = s.user_token().await;
    // An XML create, in the element casing a .NET client would write.
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<Customer xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <CompanyProfile><Domain>xmlbody.onmicrosoft.com</Domain></CompanyProfile>
  <BillingProfile>
    <Email>ada@contoso.com</Email><Culture>en-US</Culture><Language>en</Language><CompanyName>XML Co</CompanyName>
    <DefaultAddress><Country>US</Country><State>WA</State><City>Redmond</City><AddressLine1>1 Way</AddressLine1>
      <AddressLine2 i:nil="true"/><PostalCode>98052</PostalCode></DefaultAddress>
  </BillingProfile>
  <RelationshipToPartner>unknown</RelationshipToPartner>
</Customer>"#;
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .header("Content-Type", "application/xml; charset=utf-8")
        .body(xml)
        .send()
        .await
        .unwrap();
    let (status, c) = status_json(r).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["billingProfile"]["companyName"], "XML Co");
    let id = c["id"].as_str().unwrap().to_owned();

    // A form PUT of the billing profile, dotted and bracketed keys in any casing.
    let etag = c["billingProfile"]["attributes"]["etag"].as_str().unwrap();
    let form = format!(
        "Email=form%40contoso.com&culture=en-US&LANGUAGE=en&companyName=Form+Co&defaultAddress.Country=US\
         &DefaultAddress[state]=WA&defaultaddress.city=Seattle&defaultAddress[addressLine1]=2+Way\
         &defaultAddress.postalCode=98101&attributes.etag={etag}"
    );
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let (status, p) = status_json(r).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (
            p["companyName"].clone(),
            p["defaultAddress"]["city"].clone()
        ),
        (json!("Form Co"), json!("Seattle"))
    );

    // A form PATCH, with a text/xml answer.
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &t)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .header("Accept", "text/xml")
        .body("RelationshipToPartner=none&allowDelegatedAccess=false")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let back: Customer =
        decode_value(from_xml(r.text().await.unwrap().as_bytes()).unwrap()).unwrap();
    assert_eq!(
        back.relationship_to_partner,
        Some(partnerd_wire::CustomerPartnerRelationship::None)
    );
    assert_eq!(back.allow_delegated_access, Some(false));

    // Malformed input in either format is 800002 naming what is wrong; an XML error answer.
    for (ct, bad) in [
        ("text/xml", "<Customer><CompanyProfile>"),
        (
            "application/xml",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Customer>&e;</Customer>",
        ),
        ("application/x-www-form-urlencoded", "a=1&a[b]=2"),
    ] {
        let r = s
            .authed(Method::POST, "/v1/customers", &t)
            .header("Content-Type", ct)
            .header("Accept", "application/xml")
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        let fault: ApiFault =
            decode_value(from_xml(r.text().await.unwrap().as_bytes()).unwrap()).unwrap();
        assert_eq!(fault.code, 800002);
    }
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .header("Content-Type", "image/png")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_fault(r, 415, 990004).await;
}
