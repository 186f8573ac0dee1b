//! Declarative seed files: the example file applied to a store, its fixed credentials working
//! over the wire, a second application changing nothing, and bad or contradicting files
//! refused with the place named.

use partnerd::seed_file::{SeedError, SeedFile};
use partnerd_testkit::{status_json, TestServer};
use reqwest::Method;

use crate::token_service::{post_token, Ep};

const EXAMPLE: &str = include_str!("../../../../examples/seed.yaml");
const PROVIDER: &str = "3f6c2a1e-8b4d-4c7a-9e2f-1a5b6c7d8e90";
const PROVIDER_APP: &str = "5b7e9d1c-2a4f-4e6b-8c0d-3f1a2b4c6d8e";
const RESELLER: &str = "6d8f0a2c-4e6a-4b8d-9f0a-2c4e6a8b0d2f";
const CUSTOMER: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

fn example() -> SeedFile {
    SeedFile::parse(EXAMPLE, false).expect("the example parses")
}

async fn app_token(s: &TestServer, tenant: &str, client: &str, secret: &str) -> (u16, String) {
    let (k, v) = Ep::V2.api_field();
    let form = vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", client.to_owned()),
        ("client_secret", secret.to_owned()),
        (k, v),
    ];
    let (status, body) = status_json(post_token(s, Ep::V2, tenant, &form).await).await;
    (
        status,
        body["access_token"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn the_example_file_makes_working_fixed_credentials_and_applies_once() {
    let s = TestServer::start().await;
    let seed = example();
    let applied = seed.apply(s.store.as_ref()).await.expect("applied");
    assert_eq!(
        (
            applied.partners_created,
            applied.customers_created,
            applied.links
        ),
        (2, 1, 1)
    );

    let (status, token) = app_token(
        &s,
        PROVIDER,
        PROVIDER_APP,
        "contoso-ci-secret-please-change",
    )
    .await;
    assert_eq!(status, 200);
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{CUSTOMER}"), &token)
        .send()
        .await
        .unwrap();
    let (status, customer) = status_json(r).await;
    assert_eq!(status, 200, "{customer}");
    assert_eq!(
        customer["companyProfile"]["domain"],
        "fabrikamretail.onmicrosoft.com"
    );
    assert_eq!(customer["billingProfile"]["companyName"], "Fabrikam Retail");
    // The link: the provider sees Northwind as its indirect reseller.
    let links = s
        .store
        .partner_links(&partnerd_store::TenantId::parse(PROVIDER).unwrap())
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].other.tenant_id.as_str(), RESELLER);
    // The user without MFA is stored so.
    let users = s
        .store
        .users_of(&partnerd_store::TenantId::parse(PROVIDER).unwrap())
        .await
        .unwrap();
    assert_eq!(
        users
            .iter()
            .filter(|u| !u.mfa)
            .map(|u| u.upn.as_str())
            .collect::<Vec<_>>(),
        ["legacy@contosoprovider.onmicrosoft.com"]
    );

    let again = seed.apply(s.store.as_ref()).await.expect("applied again");
    assert_eq!(
        (
            again.partners_created,
            again.customers_created,
            again.credentials_changed
        ),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(s.store.partner_count().await.unwrap(), 3);
}

#[tokio::test]
async fn a_changed_secret_is_set_and_a_contradiction_is_refused() {
    let s = TestServer::start().await;
    example().apply(s.store.as_ref()).await.expect("applied");

    let changed = EXAMPLE.replace("contoso-ci-secret-please-change", "a-new-secret");
    let applied = SeedFile::parse(&changed, false)
        .unwrap()
        .apply(s.store.as_ref())
        .await
        .expect("applied");
    assert_eq!(applied.credentials_changed, 1);
    assert_eq!(
        app_token(&s, PROVIDER, PROVIDER_APP, "a-new-secret")
            .await
            .0,
        200
    );
    assert_ne!(
        app_token(
            &s,
            PROVIDER,
            PROVIDER_APP,
            "contoso-ci-secret-please-change"
        )
        .await
        .0,
        200
    );

    let renamed = EXAMPLE.replace("name: Contoso Provider", "name: Contoso Renamed");
    let err = SeedFile::parse(&renamed, false)
        .unwrap()
        .apply(s.store.as_ref())
        .await
        .expect_err("a contradiction is refused");
    assert!(
        matches!(&err, SeedError::Invalid(m) if m.contains(PROVIDER) && m.contains("Contoso Provider")),
        "{err}"
    );
}

#[tokio::test]
async fn bad_files_are_refused_with_the_place_named_and_nothing_written() {
    let s = TestServer::start().await;
    let before = s.store.partner_count().await.unwrap();
    let cases = [
        (
            EXAMPLE.replace(PROVIDER_APP, "not-a-guid"),
            "partners[0].apps[0].clientId",
        ),
        (
            EXAMPLE.replace("postalCode: \"98052\"", "postalCode: \"x\""),
            "partners[0].customers[0]",
        ),
        (EXAMPLE.replace("everyNth: 50", "everyNth: 0"), "faults[0]"),
        (
            EXAMPLE.replace("    mfa: true", "    mfa: yes please"),
            "mfa",
        ),
        (format!("{EXAMPLE}\nsurprise: 1\n"), "surprise"),
    ];
    for (text, place) in cases {
        let err = match SeedFile::parse(&text, false) {
            Err(e) => e,
            Ok(seed) => seed
                .apply(s.store.as_ref())
                .await
                .expect_err("refused")
                .to_string(),
        };
        assert!(err.contains(place), "{place}: {err}");
    }
    assert_eq!(s.store.partner_count().await.unwrap(), before);
}

#[tokio::test]
async fn json_and_yaml_say_the_same() {
    let yaml: serde_json::Value = serde_saphyr::from_str(EXAMPLE).unwrap();
    let json = serde_json::to_string(&yaml).unwrap();
    let from_json = SeedFile::parse(&json, true).expect("the JSON form parses");
    let from_yaml = example();
    assert_eq!(format!("{from_json:?}"), format!("{from_yaml:?}"));
}
