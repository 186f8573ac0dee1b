//! The OpenAPI document: pinned by an insta snapshot (`snapshots/api__openapi__openapi.snap`),
//! and every operation in it is routed.
//!
//! After a deliberate change to the API, run `cargo insta test -p partnerd --test api --review`
//! (or `INSTA_UPDATE=always cargo test -p partnerd --test api openapi`, then `git diff`) and
//! review the new document before accepting it. In CI a changed document fails the test.

use partnerd_testkit::TestServer;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn the_document_matches_its_snapshot() {
    let s = TestServer::start().await;
    assert_eq!(
        s.request(Method::GET, "/_partnerd/openapi.json")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let r = s
        .admin(Method::GET, "/_partnerd/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let served: Value = r.json().await.unwrap();
    assert_eq!(served, partnerd::app::openapi_document());
    // The whole document is the contract clients generate code from: any change shows as a
    // diff to review (see this file's docs).
    insta::assert_json_snapshot!("openapi", served);
    // Every schema reference resolves.
    let text = serde_json::to_string(&served).unwrap();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let name = reference
            .split('"')
            .next()
            .unwrap()
            .trim_start_matches("#/components/schemas/");
        assert!(
            served["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let ops = partnerd::app::operations();
    assert!(ops.len() >= 20);
    for op in ops.into_iter().map(|r| r.operation) {
        let mut path = String::new();
        let mut rest = op.path;
        while let Some(start) = rest.find('{') {
            let end = rest[start..].find('}').unwrap() + start;
            path.push_str(&rest[..start]);
            path.push_str(&uuid::Uuid::new_v4().to_string());
            rest = &rest[end + 1..];
        }
        path.push_str(rest);
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        let token = if op.path.starts_with("/_partnerd/") {
            s.state.ops.admin_token.clone()
        } else {
            t.clone()
        };
        let r = s
            .authed(method.clone(), &path, &token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_ne!(status, 405, "{} {path}", op.method);
        let unrouted = status == 404 && body.contains("the requested resource does not exist");
        assert!(!unrouted, "{} {path} is not routed", op.method);
    }
}
