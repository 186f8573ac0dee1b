//! `GET /v1/customers/{id}/managedservices`: derived from delegated admin access.

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn managed_services_follow_delegated_access() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "managed.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/managedservices");

    let (status, page) =
        status_json(s.authed(Method::GET, &path, &user).send().await.unwrap()).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["totalCount"], 5);
    let exchange = &page["items"][0];
    assert_eq!(exchange["id"], "Exchange");
    assert_eq!(exchange["groupName"], "Office");
    assert_eq!(exchange["attributes"]["objectType"], "ManagedService");
    let admin = exchange["links"]["adminService"]["uri"].as_str().unwrap();
    assert!(
        admin.contains(&format!("CTID={id}")) && admin.contains("CSDEST=Exchange"),
        "{admin}"
    );
    assert!(exchange["links"]["serviceHealth"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("CSDEST=ServiceStatus"));

    // App+user only; another partner has no relationship.
    let app = s.app_token().await;
    assert_fault(
        s.authed(Method::GET, &path, &app).send().await.unwrap(),
        403,
        2032,
    )
    .await;
    let other = s.add_partner("Other", PartnerKind::Sandbox, None).await;
    let other_user = s.user_token_of(&other).await;
    assert_fault(
        s.authed(Method::GET, &path, &other_user)
            .send()
            .await
            .unwrap(),
        403,
        20002,
    )
    .await;

    // Without delegated access there is nothing to manage.
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &user)
        .json(&json!({"allowDelegatedAccess": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, page) = status_json(s.authed(Method::GET, &path, &user).send().await.unwrap()).await;
    assert_eq!(page["totalCount"], 0, "{page}");
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn the_21vianet_cloud_has_no_managed_services() {
    let s = TestServer::start_with(partnerd::config::Settings {
        cloud: partnerd::auth::cloud::Cloud::China,
        ..Default::default()
    })
    .await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "china.onmicrosoft.com").await;
    let path = format!(
        "/v1/customers/{}/managedservices",
        c["id"].as_str().unwrap()
    );
    assert_fault(
        s.authed(Method::GET, &path, &user).send().await.unwrap(),
        404,
        1000,
    )
    .await;
    // The relationship request exists there.
    let r = s
        .authed(Method::GET, "/v1/customers/relationshiprequests", &user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_us_government_cloud_has_no_relationship_requests() {
    let s = TestServer::start_with(partnerd::config::Settings {
        cloud: partnerd::auth::cloud::Cloud::UsGov,
        ..Default::default()
    })
    .await;
    let user = s.user_token().await;
    let r = s
        .authed(Method::GET, "/v1/customers/relationshiprequests", &user)
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 1000).await;
    let c = s.create_customer(&user, "gov.onmicrosoft.com").await;
    let path = format!(
        "/v1/customers/{}/managedservices",
        c["id"].as_str().unwrap()
    );
    assert_eq!(
        s.authed(Method::GET, &path, &user)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
