//! Market rules and address validation: `GET /v1/countryvalidationrules/{iso2}` and
//! `POST /v1/validations/address` answer from the same table that create validation reads, so
//! an address the table calls valid is one create accepts.

use partnerd::config::{AddressValidation, Settings};
use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn rules(s: &TestServer, code: &str) -> (u16, Value) {
    let t = s.app_token().await;
    let r = s
        .authed(
            Method::GET,
            &format!("/v1/countryvalidationrules/{code}"),
            &t,
        )
        .send()
        .await
        .unwrap();
    status_json(r).await
}

async fn validate(s: &TestServer, address: &Value) -> (u16, Value) {
    let t = s.app_token().await;
    let r = s
        .authed(Method::POST, "/v1/validations/address", &t)
        .json(address)
        .send()
        .await
        .unwrap();
    status_json(r).await
}

fn redmond(line1: &str) -> Value {
    json!({"addressLine1": line1, "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"})
}

#[tokio::test]
async fn country_rules_answer_as_recorded() {
    let s = TestServer::start().await;
    let (status, us) = rules(&s, "us").await;
    assert_eq!(status, 200, "{us}");
    assert_eq!(us["iso2Code"], "US");
    assert_eq!(us["supportedStatesList"].as_array().unwrap().len(), 51);
    assert_eq!(us["postalCodeRegex"], r"^\d{5}(-\d{4})?$");
    assert_eq!(us["supportedCulturesList"], json!(["en-US", "es-US"]));
    assert_eq!(us["countryCallingCodesList"], json!(["1"]));
    assert_eq!(us["attributes"]["objectType"], "CountryValidationRules");
    let (_, pt) = rules(&s, "PT").await;
    assert_eq!(pt["vatIdRegex"], r"^PT[\d]{9,9}$");
    assert_eq!(pt["supportedStatesList"], json!([]));
    let (_, br) = rules(&s, "BR").await;
    assert_eq!(br["customerOrganizationRegistrationNumberRequired"], true);
    let t = s.app_token().await;
    let r = s
        .authed(Method::GET, "/v1/countryvalidationrules/UK", &t)
        .send()
        .await
        .unwrap();
    let f = assert_fault(r, 404, 600040).await;
    assert_eq!(
        f["description"],
        "No validation rules were found for the country/region UK"
    );
}

#[tokio::test]
async fn addresses_are_validated_by_the_rules() {
    let s = TestServer::start().await;
    let (status, v) = validate(&s, &redmond("1 Microsoft Way")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "VerifiedShippable");
    assert_eq!(v["originalAddress"]["addressLine1"], "1 Microsoft Way");
    assert_eq!(v["suggestedAddresses"][0]["state"], "WA");
    let (_, v) = validate(&s, &redmond("Microsoft Way")).await;
    assert_eq!(v["status"], "StreetPartial");
    assert_eq!(
        v["suggestedAddresses"][0]["addressLine1"],
        "1 Microsoft Way"
    );
    assert!(v["validationMessage"].is_string());
    let mut wrong = redmond("1 Microsoft Way");
    wrong["postalCode"] = json!("980");
    wrong["state"] = json!("PR");
    let (_, v) = validate(&s, &wrong).await;
    assert_eq!(v["status"], "None", "{v}");
    let message = v["validationMessage"].as_str().unwrap();
    assert!(
        message.contains("postalCode") && message.contains("state"),
        "{message}"
    );
    // Postal codes compare in upper case; city and postal code are required everywhere, as
    // create requires them.
    let london = json!({"addressLine1": "1 Fleet Street", "city": "London",
                        "postalCode": "ec4y 1aa", "country": "gb"});
    let (_, v) = validate(&s, &london).await;
    assert_eq!(v["status"], "VerifiedShippable", "{v}");
    let (_, v) = validate(
        &s,
        &json!({"addressLine1": "1 Queen's Road", "country": "HK"}),
    )
    .await;
    assert_eq!(v["status"], "None", "{v}");
    let (_, v) = validate(
        &s,
        &json!({"addressLine1": "1 A St", "city": "X", "country": "UK"}),
    )
    .await;
    assert_eq!(v["status"], "NotValidated");
    // Any casing of the properties, and XML and form bodies, as on every route.
    let t = s.app_token().await;
    let r = s
        .authed(Method::POST, "/v1/validations/address", &t)
        .header("Content-Type", "application/xml")
        .body("<Address><AddressLine1>1 Microsoft Way</AddressLine1><City>Redmond</City><State>WA</State><PostalCode>98052</PostalCode><Country>US</Country></Address>")
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["status"], "VerifiedShippable");
    let r = s
        .authed(Method::POST, "/v1/validations/address", &t)
        .form(&[
            ("AddressLine1", "1 Microsoft Way"),
            ("city", "Redmond"),
            ("STATE", "WA"),
            ("postalCode", "98052"),
            ("country", "US"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["status"], "VerifiedShippable");
    // It writes nothing: one MS-RequestId for two different addresses is no conflict.
    for line in ["1 Microsoft Way", "2 Microsoft Way"] {
        let r = s
            .authed(Method::POST, "/v1/validations/address", &t)
            .header("MS-RequestId", "one-id-for-both")
            .json(&redmond(line))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn create_refuses_what_the_rules_refuse() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    for (field, value) in [("postalCode", "980"), ("state", "PR"), ("country", "XK")] {
        let mut body = customer_body("rules-refused.onmicrosoft.com");
        body["billingProfile"]["defaultAddress"][field] = json!(value);
        let r = s
            .authed(Method::POST, "/v1/customers", &t)
            .json(&body)
            .send()
            .await
            .unwrap();
        let f = assert_fault(r, 400, 27002).await;
        assert!(f.to_string().contains(field), "{field}: {f}");
    }
}

#[tokio::test]
async fn fixtures_arrange_the_other_statuses() {
    let s = TestServer::start().await;
    let address = redmond("1 Microsoft Way");
    let mut suggestion = address.clone();
    suggestion["postalCode"] = json!("98052-6399");
    let r = s
        .admin(Method::POST, "/_partnerd/address-fixtures")
        .json(&json!({"Address": address, "STATUS": "InteractionRequired",
            "suggestedAddresses": [suggestion], "validationMessage": "Confirm the ZIP+4."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut same = redmond(" 1 MICROSOFT WAY ");
    same["city"] = json!("redmond");
    let (_, v) = validate(&s, &same).await;
    assert_eq!(v["status"], "InteractionRequired", "{v}");
    assert_eq!(v["suggestedAddresses"][0]["postalCode"], "98052-6399");
    let r = s
        .admin(Method::GET, "/_partnerd/address-fixtures")
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1.as_array().unwrap().len(), 1);
    let r = s
        .admin(Method::DELETE, "/_partnerd/address-fixtures")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, v) = validate(&s, &same).await;
    assert_eq!(v["status"], "VerifiedShippable");
}

#[tokio::test]
async fn the_legacy_contract_for_powershell() {
    let s = TestServer::start_with(Settings {
        address_validation: AddressValidation::Legacy,
        ..Settings::default()
    })
    .await;
    let t = s.app_token().await;
    let post = |address: Value| {
        s.authed(Method::POST, "/v1/validations/address", &t)
            .json(&address)
            .send()
    };
    let r = post(redmond("1 Microsoft Way")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());
    // The refusal's description is the JSON text PowerShell parses: whole, however long the
    // address.
    let mut wrong = redmond("1 Microsoft Way");
    wrong["postalCode"] = json!("980");
    let mut long = wrong.clone();
    long["addressLine1"] = json!("9".repeat(900));
    long["city"] = json!("C".repeat(900));
    for (address, postal_code) in [(wrong, "980"), (long, "980")] {
        let f = assert_fault(post(address).await.unwrap(), 400, 2007).await;
        let inner: Value = serde_json::from_str(f["description"].as_str().unwrap()).unwrap();
        assert_eq!(inner["code"], "60071");
        assert_eq!(inner["corrected_address"]["postal_code"], postal_code);
    }
}

/// Every country of the table with its rules: a postal code drawn from its pattern and a state
/// from its list.
fn table() -> Vec<(String, Option<String>, Vec<String>, bool)> {
    let file: Value =
        serde_json::from_str(include_str!("../../data/markets.json")).expect("the table");
    file["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["iso2Code"].as_str().unwrap().to_owned(),
                c["postalCodeRegex"].as_str().map(str::to_owned),
                c["supportedStatesList"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect(),
                c["customerOrganizationRegistrationNumberRequired"] == true,
            )
        })
        .collect()
}

/// An address the table calls valid, and whether its country needs a registration number.
fn valid_address() -> impl Strategy<Value = (Value, bool)> {
    let countries = table();
    (0..countries.len(), any::<u64>()).prop_flat_map(move |(i, pick)| {
        let (code, postal, states, registration) = countries[i].clone();
        let postal: BoxedStrategy<String> = match postal {
            Some(re) => {
                let bare = re.trim_start_matches('^').trim_end_matches('$').to_owned();
                proptest::string::string_regex(&bare)
                    .expect("a pattern proptest can draw from")
                    .boxed()
            }
            None => Just("0".to_owned()).boxed(),
        };
        let state = (!states.is_empty()).then(|| states[(pick as usize) % states.len()].clone());
        postal.prop_map(move |postal| {
            let address = json!({"addressLine1": "10 Main Street", "city": "Capital",
                "state": state, "postalCode": postal, "country": code, "phoneNumber": "5550100"});
            (address, registration)
        })
    })
}

/// What the table calls a valid address, create accepts: the two read the same rules.
#[test]
fn every_valid_address_is_accepted_by_create() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s = runtime.block_on(TestServer::start());
    let token = runtime.block_on(async {
        let p = s
            .add_partner("Markets", PartnerKind::Production, None)
            .await;
        s.app_token_of(&p).await
    });
    let cases = std::env::var("PARTNERD_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(48, |n| (n / 50).max(48));
    let n = std::sync::atomic::AtomicU32::new(0);
    proptest!(ProptestConfig::with_cases(cases), |((address, registration) in valid_address())| {
        let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(async {
            let (status, v) = validate(&s, &address).await;
            prop_assert_eq!(status, 200);
            prop_assert_eq!(&v["status"], "VerifiedShippable", "{}", v);
            let mut body = customer_body(&format!("market{n}x{}.onmicrosoft.com", std::process::id()));
            body["billingProfile"]["defaultAddress"] = address.clone();
            if registration {
                body["companyProfile"]["organizationRegistrationNumber"] = json!("123456789");
            }
            let r = s.authed(Method::POST, "/v1/customers", &token).json(&body).send().await.unwrap();
            let (status, c) = status_json(r).await;
            prop_assert_eq!(status, 201, "{} was refused: {}", address, c);
            Ok(())
        })?;
    });
}
