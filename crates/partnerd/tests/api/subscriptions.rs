//! Subscriptions and entitlements: empty, as partnerd sells nothing, but there, so that the
//! clients that read them before removing a reseller relationship reach their PATCH.

use partnerd_store::PartnerKind;
use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_reseller_removal_flow_of_real_clients_runs_through() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s
        .create_customer(&s.app_token().await, "lifecycle.onmicrosoft.com")
        .await;
    let id = c["id"].as_str().unwrap();
    // As PowerShell's Remove-PartnerResellerRelationship does: subscriptions, entitlements,
    // then the PATCH.
    for what in ["subscriptions", "entitlements"] {
        let path = format!("/v1/customers/{id}/{what}");
        let (status, page) =
            status_json(s.authed(Method::GET, &path, &user).send().await.unwrap()).await;
        assert_eq!(status, 200, "{what}: {page}");
        assert_eq!(page["totalCount"], 0);
        assert_eq!(page["items"], json!([]));
        assert_eq!(
            page["links"]["self"]["uri"],
            format!("/customers/{id}/{what}")
        );
        assert_eq!(page["attributes"]["objectType"], "Collection");
        // App-only reads them too; another partner has no relationship; no customer is 404.
        let app = s.app_token().await;
        assert_eq!(
            s.authed(Method::GET, &path, &app)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let other = s
            .add_partner(&format!("Other {what}"), PartnerKind::Sandbox, None)
            .await;
        let other_token = s.app_token_of(&other).await;
        assert_fault(
            s.authed(Method::GET, &path, &other_token)
                .send()
                .await
                .unwrap(),
            403,
            20002,
        )
        .await;
        let missing = format!("/v1/customers/{}/{what}", uuid::Uuid::new_v4());
        assert_fault(
            s.authed(Method::GET, &missing, &user).send().await.unwrap(),
            404,
            60003,
        )
        .await;
    }
    let r = s
        .authed(Method::PATCH, &format!("/v1/customers/{id}"), &user)
        .json(&json!({"relationshipToPartner": "none"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
