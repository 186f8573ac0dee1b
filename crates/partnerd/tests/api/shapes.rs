//! Whole answers pinned by insta snapshots (in `snapshots/`), where the exact shape is the
//! contract a client's deserializer relies on: the fault envelope in JSON and in XML, and a
//! customer in XML (element names, nesting and order). Other tests check single fields; these
//! catch a field renamed, added, dropped or moved anywhere in the answer.
//!
//! Values that differ on every run (ids, ETags, correlation ids) are redacted before the
//! comparison, so a snapshot shows where they go but not what they were. After a deliberate
//! change, review the new answers with `cargo insta test -p partnerd --test api --review` (or
//! `INSTA_UPDATE=always cargo test -p partnerd --test api shapes`, then `git diff`).

use partnerd_testkit::TestServer;
use reqwest::{Method, Response};
use serde_json::{json, Value};

/// A response header as text; panics when it is missing.
fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// One element per line. partnerd writes XML without whitespace between elements, so this
/// changes nothing but where the lines break (text holding `><` would be escaped as
/// `&gt;&lt;`), and a changed element shows as one changed line.
fn one_element_per_line(xml: &str) -> String {
    xml.replace("><", ">\n<")
}

#[tokio::test]
async fn the_fault_envelope_in_json() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let missing = uuid::Uuid::new_v4().to_string();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{missing}"), &t)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = header(&r, "content-type");
    let correlation_id = header(&r, "ms-correlationid");
    let body: Value = r.json().await.unwrap();
    let answer = json!({
        "status": status,
        "contentType": content_type,
        "correlationId": correlation_id,
        "body": body,
    });
    insta::assert_json_snapshot!("customer_not_found_json", answer, {
        ".correlationId" => "[correlation id]",
        // The description names the customer: keep its words, redact only the id.
        ".body.description" => insta::dynamic_redaction(move |value, _path| {
            value
                .as_str()
                .unwrap_or_default()
                .replace(&missing, "[customer id]")
        }),
    });
}

#[tokio::test]
async fn the_fault_envelope_in_xml() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let missing = uuid::Uuid::new_v4().to_string();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{missing}"), &t)
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(header(&r, "content-type"), "application/xml; charset=utf-8");
    let xml = r.text().await.unwrap().replace(&missing, "[customer id]");
    insta::assert_snapshot!("customer_not_found_xml", one_element_per_line(&xml));
}

#[tokio::test]
async fn a_customer_in_xml() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let created = s.create_customer(&t, "xmlshape.onmicrosoft.com").await;
    let id = created["id"].as_str().unwrap();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/xml; charset=utf-8");
    let etag = created["billingProfile"]["attributes"]["etag"]
        .as_str()
        .unwrap();
    // Every id is a fresh GUID and the ETag a random number: redact them by value, the ETag
    // as a whole element so that no digits elsewhere can match it.
    let xml = r
        .text()
        .await
        .unwrap()
        .replace(id, "[customer id]")
        .replace(created["commerceId"].as_str().unwrap(), "[commerce id]")
        .replace(
            created["billingProfile"]["id"].as_str().unwrap(),
            "[billing profile id]",
        )
        .replace(&format!("<etag>{etag}</etag>"), "<etag>[etag]</etag>");
    insta::assert_snapshot!("customer_xml", one_element_per_line(&xml));
}
