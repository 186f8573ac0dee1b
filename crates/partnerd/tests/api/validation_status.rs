//! `GET /v1/customers/{id}/validationStatus?type=account`: 404/600074 until the control plane
//! sets a status.

use partnerd_testkit::{assert_fault, status_json, TestServer};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_account_status_is_set_by_the_control_plane() {
    let s = TestServer::start().await;
    let user = s.user_token().await;
    let c = s.create_customer(&user, "validated.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    // As the .NET SDK sends it.
    let path = format!("/v1/customers/{id}/validationStatus?type=Account");
    let e = assert_fault(
        s.authed(Method::GET, &path, &user).send().await.unwrap(),
        404,
        600074,
    )
    .await;
    assert_eq!(
        e["description"],
        format!("Account Status for the customer, {id} was not found.")
    );
    let control = format!("/_partnerd/customers/{id}/validation-status");
    let r = s
        .admin(Method::PUT, &control)
        .json(&json!({"status": "underreview"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, v) = status_json(s.authed(Method::GET, &path, &user).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["type"], "account");
    assert_eq!(v["status"], "UnderReview");
    assert!(v["lastUpdateDateTime"].as_str().is_some());

    // App+user only; the type is required.
    let app = s.app_token().await;
    assert_fault(
        s.authed(Method::GET, &path, &app).send().await.unwrap(),
        403,
        2032,
    )
    .await;
    let bare = format!("/v1/customers/{id}/validationstatus");
    assert_fault(
        s.authed(Method::GET, &bare, &user).send().await.unwrap(),
        400,
        800002,
    )
    .await;
    let r = s
        .admin(Method::PUT, &control)
        .json(&json!({"status": "Maybe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let r = s.admin(Method::DELETE, &control).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_fault(
        s.authed(Method::GET, &path, &user).send().await.unwrap(),
        404,
        600074,
    )
    .await;
}
