//! Failures of the store reach clients in the contract's shape: 500/990000 without internals
//! and with the correlation id; 503/990006 with Retry-After when the database is locked.

use partnerd_testkit::{assert_fault, TestServer};
use reqwest::Method;

#[tokio::test]
async fn an_unexpected_store_failure_is_a_500_without_internals() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "broken.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    // Break the schema behind the server's back.
    let conn = rusqlite::Connection::open(&s.db_path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF; DROP TABLE customer_partners;")
        .unwrap();
    let r = s
        .authed(Method::GET, &format!("/v1/customers/{id}"), &t)
        .header("MS-CorrelationId", "0a0b0c0d-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap();
    let raw = r.text().await.unwrap();
    let f: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(f["code"], 990000, "{raw}");
    assert_eq!(
        f["data"],
        serde_json::json!(["0a0b0c0d-0000-4000-8000-000000000001"])
    );
    for leak in [
        "customer_partners",
        "SELECT",
        "sqlite",
        "no such table",
        ".rs",
        "/",
    ] {
        let description = f["description"].as_str().unwrap();
        assert!(!description.contains(leak), "500 body leaks {leak}: {raw}");
    }
}

#[tokio::test]
async fn a_locked_database_is_a_503_with_retry_after() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "locked.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap().to_owned();
    let path = s.db_path.clone();
    // Another process holds the write lock for longer than the server's busy timeout.
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(7));
        conn.execute_batch("ROLLBACK;").unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("If-Match", "*")
        .json(&c["billingProfile"])
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    assert_fault(r, 503, 990006).await;
    holder.join().unwrap();
    // Once the lock is gone the same request succeeds: nothing was half-written.
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("If-Match", "*")
        .json(&c["billingProfile"])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
