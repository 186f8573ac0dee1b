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

#[tokio::test]
async fn active_subscriptions_must_be_suspended_before_the_relationship_goes() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "buyer.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let control = format!("/_partnerd/customers/{id}/subscriptions");

    // The control plane sells two: defaults fill what is left out.
    let r = s
        .admin(Method::POST, &control)
        .json(&json!({"id": "A1B2C3D4-0000-4000-8000-000000000001", "offerName": "Microsoft 365 E3", "quantity": 10}))
        .send()
        .await
        .unwrap();
    let (status, first) = status_json(r).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "active");
    assert_eq!(first["attributes"]["objectType"], "Subscription");
    let r = s
        .admin(Method::POST, &control)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, second) = status_json(r).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["quantity"], 1);

    // The partner reads them; another partner's list stays its own.
    let path = format!("/v1/customers/{id}/subscriptions");
    let (_, page) = status_json(s.authed(Method::GET, &path, &user).send().await.unwrap()).await;
    assert_eq!(page["totalCount"], 2, "{page}");

    // Removing the relationship now: 400/990011, naming the active ones.
    let patch_customer = || {
        s.authed(Method::PATCH, &format!("/v1/customers/{id}"), &user)
            .json(
                &json!({"relationshipToPartner": "none", "attributes": {"objectType": "Customer"}}),
            )
            .send()
    };
    let e = assert_fault(patch_customer().await.unwrap(), 400, 990011).await;
    assert_eq!(e["data"].as_array().unwrap().len(), 2, "{e}");

    // As PowerShell does: PATCH each back with status suspended (PascalCase, no If-Match).
    for sub in page["items"].as_array().unwrap() {
        let sub_path = format!(
            "/v1/customers/{id}/subscriptions/{}",
            sub["id"].as_str().unwrap()
        );
        let mut body = sub.clone();
        body["status"] = json!("suspended");
        let pascal: serde_json::Map<String, serde_json::Value> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k[..1].to_uppercase() + &k[1..], v.clone()))
            .collect();
        let r = s
            .authed(Method::PATCH, &sub_path, &user)
            .json(&pascal)
            .send()
            .await
            .unwrap();
        let (status, patched) = status_json(r).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["status"], "suspended");
        assert_ne!(patched["attributes"]["etag"], sub["attributes"]["etag"]);
    }
    // A suspended subscription can be reactivated but not resized; a stale ETag is 2055.
    let one = format!("/v1/customers/{id}/subscriptions/a1b2c3d4-0000-4000-8000-000000000001");
    let (_, mut full) = status_json(s.authed(Method::GET, &one, &user).send().await.unwrap()).await;
    full["quantity"] = json!(3);
    let r = s
        .authed(Method::PATCH, &one, &user)
        .json(&full)
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800091).await;
    // A subscription body needs its id, as Partner Center asks for the full resource.
    let r = s
        .authed(Method::PATCH, &one, &user)
        .json(&json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 800002).await;
    let r = s
        .authed(Method::PATCH, &one, &user)
        .header("If-Match", "\"stale\"")
        .json(&json!({"id": "x", "status": "active"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 2055).await;
    let r = s
        .authed(Method::PATCH, &one, &user)
        .json(&json!({"id": "x", "status": "deleted"}))
        .send()
        .await
        .unwrap();
    assert_fault(r, 400, 27002).await;
    let missing = format!("/v1/customers/{id}/subscriptions/nope");
    assert_fault(
        s.authed(Method::GET, &missing, &user).send().await.unwrap(),
        404,
        1000,
    )
    .await;

    // Now the relationship goes.
    assert_eq!(patch_customer().await.unwrap().status(), 200);
    // The control plane still sees them, and can remove one.
    let (_, all) = status_json(s.admin(Method::GET, &control).send().await.unwrap()).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["partnerId"], s.partner.tenant_id);
    let r = s
        .admin(
            Method::DELETE,
            &format!("{control}/A1B2C3D4-0000-4000-8000-000000000001"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}
