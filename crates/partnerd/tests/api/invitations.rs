//! The reseller relationship request link, and the invitation an existing customer accepts.

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn an_existing_customer_accepts_an_invitation() {
    let s = TestServer::start().await;
    let c = s
        .create_customer(&s.app_token().await, "invited.onmicrosoft.com")
        .await;
    let customer = c["id"].as_str().unwrap();
    let newcomer = s.add_partner("Newcomer", PartnerKind::Sandbox, None).await;
    let user = s.user_token_of(&newcomer).await;

    // The link, as the admin portal takes it today; app+user only.
    let (status, link) = status_json(
        s.authed(Method::GET, "/v1/customers/relationshiprequests", &user)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(
            "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
        ),
        "{url}"
    );
    assert!(
        url.contains(&format!("partnerId={}", newcomer.tenant_id)),
        "{url}"
    );
    assert_eq!(link["attributes"]["objectType"], "RelationshipRequest");
    let app = s.app_token_of(&newcomer).await;
    assert_fault(
        s.authed(Method::GET, "/v1/customers/relationshiprequests", &app)
            .send()
            .await
            .unwrap(),
        403,
        2032,
    )
    .await;
    assert_fault(
        s.authed(
            Method::GET,
            "/v1/customers/relationshiprequests?indirectResellerId=nope",
            &user,
        )
        .send()
        .await
        .unwrap(),
        400,
        800002,
    )
    .await;

    // Before the customer accepts, the newcomer has no relationship with it.
    let get = format!("/v1/customers/{customer}");
    assert_fault(
        s.authed(Method::GET, &get, &user).send().await.unwrap(),
        403,
        20002,
    )
    .await;

    // The control plane lists the invitation; the customer's admin accepts it.
    let (_, invitations) = status_json(
        s.admin(Method::GET, "/_partnerd/invitations")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let invitation: &Value = invitations
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["partnerId"] == json!(newcomer.tenant_id))
        .expect("the invitation is recorded");
    let accept = format!(
        "/_partnerd/invitations/{}/accept",
        invitation["id"].as_str().unwrap()
    );
    let (status, accepted) = status_json(
        s.admin(Method::POST, &accept)
            .json(&json!({"tenantId": customer}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["newRelationship"], true);
    let (status, seen) =
        status_json(s.authed(Method::GET, &get, &user).send().await.unwrap()).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["relationshipToPartner"], "reseller");
    assert_eq!(seen["allowDelegatedAccess"], true);

    // Accepting twice changes nothing; unknown invitations and customers are 404.
    let again = s
        .admin(Method::POST, &accept)
        .json(&json!({"tenantId": customer}))
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(again).await.1["newRelationship"], false);
    let r = s
        .admin(Method::POST, "/_partnerd/invitations/nope/accept")
        .json(&json!({"tenantId": customer}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 1000).await;
    let r = s
        .admin(Method::POST, &accept)
        .json(&json!({"tenantId": uuid::Uuid::new_v4().to_string()}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 404, 60003).await;
}
