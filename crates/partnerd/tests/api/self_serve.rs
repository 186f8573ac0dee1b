//! Self-serve policies: create, read, list, replace with ETags, delete, and the documented
//! codes; deleting the customer deletes its policies.

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

fn body(partner: &str, customer: &str) -> Value {
    // The documented request (note tenantID).
    json!({
        "SelfServeEntity": {"SelfServeEntityType": "customer", "TenantID": customer},
        "Grantor": {"GrantorType": "billToPartner", "TenantID": partner},
        "Permissions": [{"Action": "Purchase", "Resource": "AzureReservedInstances"}],
        "attributes": {"objectType": "SelfServePolicy"}
    })
}

#[tokio::test]
async fn self_serve_policies_live_and_die_with_their_customer() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let partner = s.partner.tenant_id.clone();
    let c = s.create_customer(&user, "selfserve.onmicrosoft.com").await;
    let customer = c["id"].as_str().unwrap().to_owned();

    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &user)
        .json(&body(&partner, &customer))
        .send()
        .await
        .unwrap();
    let (status, p) = status_json(r).await;
    assert_eq!(status, 201, "{p}");
    let id = format!("{partner}_{customer}");
    assert_eq!(p["id"], id.as_str());
    assert_eq!(p["selfServeEntity"]["tenantID"], customer.as_str());
    assert_eq!(p["grantor"]["grantorType"], "billToPartner");
    assert_eq!(p["attributes"]["objectType"], "SelfServePolicy");
    let etag = p["attributes"]["etag"].as_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "{etag}");

    // A second one: 409/600041.
    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &user)
        .json(&body(&partner, &customer))
        .send()
        .await
        .unwrap();
    assert_fault(r, 409, 600041).await;
    // Another grantor, a bad permission: 400/27002; app-only: 403/2032.
    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &user)
        .json(&body(&customer, &customer))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 27002).await;
    let mut bad = body(&partner, &customer);
    bad["Permissions"][0]["Action"] = json!("Sell");
    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &user)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 27002).await;
    let app = s.app_token().await;
    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &app)
        .json(&body(&partner, &customer))
        .send()
        .await
        .unwrap();
    assert_fault(r, 403, 2032).await;

    // Read by id and by entity (the .NET SDK's entity_Id).
    let one = format!("/v1/SelfServePolicy/{id}");
    let (status, got) = status_json(s.authed(Method::GET, &one, &user).send().await.unwrap()).await;
    assert_eq!((status, &got), (200, &p));
    let (status, list) = status_json(
        s.authed(
            Method::GET,
            &format!("/v1/SelfServePolicy?entity_Id={customer}"),
            &user,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalCount"], 1);
    assert_fault(
        s.authed(Method::GET, "/v1/SelfServePolicy", &user)
            .send()
            .await
            .unwrap(),
        400,
        800002,
    )
    .await;
    assert_fault(
        s.authed(Method::GET, "/v1/SelfServePolicy/not-an-id", &user)
            .send()
            .await
            .unwrap(),
        404,
        600040,
    )
    .await;
    let missing = format!("/v1/SelfServePolicy/{partner}_{}", uuid::Uuid::new_v4());
    assert_fault(
        s.authed(Method::GET, &missing, &user).send().await.unwrap(),
        404,
        600039,
    )
    .await;

    // PUT: a stale ETag is 400/2055; the current one gives a new ETag; a body naming another
    // policy is 404/600040.
    let mut put = p.clone();
    put["attributes"]["etag"] = json!("\"stale\"");
    let r = s
        .authed(Method::PUT, &one, &user)
        .json(&put)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 2055).await;
    let r = s
        .authed(Method::PUT, &one, &user)
        .json(&p)
        .send()
        .await
        .unwrap();
    let (status, updated) = status_json(r).await;
    assert_eq!(status, 200, "{updated}");
    assert_ne!(updated["attributes"]["etag"], p["attributes"]["etag"]);
    let mut other = updated.clone();
    other["id"] = json!(format!("{partner}_{}", uuid::Uuid::new_v4()));
    let r = s
        .authed(Method::PUT, &one, &user)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 600040).await;
    // The documentation's PUT without an id in the path.
    let r = s
        .authed(Method::PUT, "/v1/SelfServePolicy", &user)
        .json(&updated)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // DELETE, then 404/600039; a new policy dies with its customer.
    assert_eq!(
        s.authed(Method::DELETE, &one, &user)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_fault(
        s.authed(Method::DELETE, &one, &user).send().await.unwrap(),
        404,
        600039,
    )
    .await;
    let r = s
        .authed(Method::POST, "/v1/SelfServePolicy", &user)
        .json(&body(&partner, &customer))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        s.authed(Method::DELETE, &format!("/v1/customers/{customer}"), &user)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_fault(
        s.authed(Method::GET, &one, &user).send().await.unwrap(),
        404,
        600039,
    )
    .await;
}
