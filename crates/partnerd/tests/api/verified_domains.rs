//! `POST /v1/customers/{id}/verifieddomain`: registrar partners add managed and federated
//! domains; names are unique across tenants and join the customer's domains.

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

fn managed(name: &str) -> Value {
    // The documented request: PascalCase, enums as the docs write them, explicit nulls.
    json!({
        "VerifiedDomainName": name,
        "Domain": {"AuthenticationType": "Managed", "Capability": "Email", "IsDefault": null,
                   "IsInitial": null, "Name": name, "RootDomain": null, "Status": "Verified",
                   "VerificationMethod": "DnsRecord"},
        "DomainFederationSettings": null
    })
}

#[tokio::test]
async fn a_registrar_adds_domains_that_every_lookup_then_finds() {
    let s = TestServer::start().await;
    let app = s.app_token().await;
    let c = s.create_customer(&app, "registrar.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/verifieddomain");

    assert_eq!(
        s.authed(Method::HEAD, "/v1/domains/contoso-shop.example", &app)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let r = s
        .authed(Method::POST, &path, &app)
        .json(&managed("Contoso-Shop.example"))
        .send()
        .await
        .unwrap();
    let (status, d) = status_json(r).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(
        d,
        json!({"name": "Contoso-Shop.example", "capability": "email", "authenticationType": "managed",
               "status": "verified", "verificationMethod": "dns_record"})
    );
    assert_eq!(
        s.authed(Method::HEAD, "/v1/domains/contoso-shop.example", &app)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (_, customer) = status_json(
        s.authed(Method::GET, &format!("/v1/customers/{id}"), &app)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        customer["customDomains"],
        json!(["registrar.onmicrosoft.com", "Contoso-Shop.example"])
    );

    // Taken by any tenant: 409/990001, whoever asks; a customer create of the name too.
    let other = s.create_customer(&app, "second.onmicrosoft.com").await;
    let r = s
        .authed(
            Method::POST,
            &format!(
                "/v1/customers/{}/verifieddomain",
                other["id"].as_str().unwrap()
            ),
            &app,
        )
        .json(&managed("CONTOSO-SHOP.EXAMPLE"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 409, 990001).await;

    // Federated needs its settings; names must agree; onmicrosoft.com is not added this way.
    let mut federated = managed("fed.example");
    federated["Domain"]["AuthenticationType"] = json!("Federated");
    let r = s
        .authed(Method::POST, &path, &app)
        .json(&federated)
        .send()
        .await
        .unwrap();
    let e = assert_fault(r, 400, 27002).await;
    assert!(
        e["data"][0]
            .as_str()
            .unwrap()
            .contains("domainFederationSettings"),
        "{e}"
    );
    federated["DomainFederationSettings"] = json!({
        "IssuerUri": "http://fed.example/adfs/services/trust", "LogOffUri": "https://fed.example/adfs/ls/",
        "PassiveLogOnUri": "https://fed.example/adfs/ls/", "PreferredAuthenticationProtocol": "WsFed",
        "PromptLoginBehavior": "TranslateToFreshPasswordAuth", "SigningCertificate": "MIIC", "SupportsMfa": true
    });
    let r = s
        .authed(Method::POST, &path, &app)
        .json(&federated)
        .send()
        .await
        .unwrap();
    let (status, d) = status_json(r).await;
    assert_eq!(
        (status, d["authenticationType"].as_str()),
        (201, Some("federated")),
        "{d}"
    );
    let mut mismatch = managed("one.example");
    mismatch["VerifiedDomainName"] = json!("two.example");
    let r = s
        .authed(Method::POST, &path, &app)
        .json(&mismatch)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 27002).await;
    let r = s
        .authed(Method::POST, &path, &app)
        .json(&managed("extra.onmicrosoft.com"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 27002).await;

    // Production partners are no registrars.
    let prod = s.add_partner("Retail", PartnerKind::Production, None).await;
    let prod_app = s.app_token_of(&prod).await;
    let mine = s
        .create_customer(&prod_app, "retail-customer.onmicrosoft.com")
        .await;
    let r = s
        .authed(
            Method::POST,
            &format!(
                "/v1/customers/{}/verifieddomain",
                mine["id"].as_str().unwrap()
            ),
            &prod_app,
        )
        .json(&managed("retail.example"))
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 990012).await;

    // Deleting the customer frees the names.
    let r = s
        .authed(Method::DELETE, &format!("/v1/customers/{id}"), &app)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        s.authed(Method::HEAD, "/v1/domains/contoso-shop.example", &app)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
