//! Idempotency by MS-RequestId: replays byte for byte, conflicts, concurrent duplicates,
//! stored 4xx, unstored 5xx, and nothing readable in the store.

use std::sync::Arc;

use partnerd_testkit::{assert_fault, customer_body, status_json, TestServer};
use reqwest::Method;
use serde_json::{json, Value};

fn replayed(r: &reqwest::Response) -> bool {
    r.headers()
        .get("ms-idempotent-replay")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn fifty_concurrent_identical_creates_make_one_customer() {
    let s = Arc::new(TestServer::start().await);
    let t = s.app_token().await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = customer_body("once.onmicrosoft.com");
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (s, t, id, body, barrier) = (
            s.clone(),
            t.clone(),
            request_id.clone(),
            body.clone(),
            barrier.clone(),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = s
                .authed(Method::POST, "/v1/customers", &t)
                .header("MS-RequestId", id)
                .json(&body)
                .send()
                .await
                .unwrap();
            let (status, replay) = (r.status().as_u16(), replayed(&r));
            (status, replay, r.bytes().await.unwrap())
        }));
    }
    let mut bodies = Vec::new();
    let mut replays = 0;
    for task in tasks {
        let (status, replay, bytes) = task.await.unwrap();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&bytes));
        replays += usize::from(replay);
        bodies.push(bytes);
    }
    assert_eq!(replays, 49, "one executes, the others replay");
    let metrics = s
        .admin(Method::GET, "/_partnerd/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("partnerd_idempotent_replays_total 49"),
        "{metrics}"
    );
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "every answer is byte for byte the same"
    );
    let created: Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert!(
        created["userCredentials"]["password"].is_string(),
        "the replay carries the credentials"
    );
    let r = s
        .authed(Method::GET, "/v1/customers", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(r).await.1["totalCount"], 1);
}

#[tokio::test]
async fn a_put_retried_after_success_gets_its_200_back() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "retry.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let mut profile = c["billingProfile"].clone();
    profile["companyName"] = json!("Retried");
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    let request_id = uuid::Uuid::new_v4().to_string();
    let put = || {
        s.authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("MS-RequestId", &request_id)
        .header("If-Match", format!("\"{etag}\""))
        .json(&profile)
        .send()
    };
    let first = put().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(!replayed(&first));
    let first_etag = first.headers()["etag"].clone();
    let first_body = first.bytes().await.unwrap();
    let again = put().await.unwrap();
    assert_eq!(
        again.status(),
        200,
        "not 2055: the retry is the same request"
    );
    assert!(replayed(&again));
    assert_eq!(again.headers()["etag"], first_etag);
    assert_eq!(again.bytes().await.unwrap(), first_body);

    // The same id for another request is a conflict.
    let mut other = profile.clone();
    other["companyName"] = json!("Something else");
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("MS-RequestId", &request_id)
        .header("If-Match", format!("\"{etag}\""))
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_fault(r, 409, 990002).await;
    // The same body in another casing is the same request.
    let pascal = json!({"CompanyName": "Retried", "Email": profile["email"], "Culture": "en-US", "Language": "en",
        "FirstName": profile["firstName"], "LastName": profile["lastName"], "DefaultAddress": profile["defaultAddress"],
        "Attributes": profile["attributes"], "Id": profile["id"], "Links": profile["links"]});
    let r = s
        .authed(
            Method::PUT,
            &format!("/v1/customers/{id}/profiles/billing"),
            &t,
        )
        .header("MS-RequestId", &request_id)
        .header("If-Match", format!("\"{etag}\""))
        .json(&pascal)
        .send()
        .await
        .unwrap();
    assert!(replayed(&r), "status {}", r.status());
}

#[tokio::test]
async fn client_errors_are_stored_and_server_errors_are_not() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "errors.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/customers/{id}/profiles/billing");
    // A 400/2055 under an id is what a retry of it gets, even after the ETag would match.
    let stale_id = uuid::Uuid::new_v4().to_string();
    let stale = || {
        s.authed(Method::PUT, &path, &t)
            .header("MS-RequestId", &stale_id)
            .header("If-Match", "\"42\"")
            .json(&c["billingProfile"])
            .send()
    };
    assert_fault(stale().await.unwrap(), 400, 2055).await;
    let again = stale().await.unwrap();
    assert!(replayed(&again));
    assert_fault(again, 400, 2055).await;

    // A 503 (the database locked past the busy timeout) is not stored: the retry runs again.
    let retry_id = uuid::Uuid::new_v4().to_string();
    let db = s.db_path.clone();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(7));
        conn.execute_batch("ROLLBACK;").unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let put = || {
        s.authed(Method::PUT, &path, &t)
            .header("MS-RequestId", &retry_id)
            .header("If-Match", "*")
            .json(&c["billingProfile"])
            .send()
    };
    let r = put().await.unwrap();
    assert_eq!(r.status(), 503);
    holder.join().unwrap();
    let r = put().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(!replayed(&r), "the retry ran");
}

#[tokio::test]
async fn deletes_replay_and_keys_belong_to_one_partner() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let c = s.create_customer(&t, "delete-once.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap();
    let request_id = uuid::Uuid::new_v4().to_string();
    let delete = || {
        s.authed(Method::DELETE, &format!("/v1/customers/{id}"), &t)
            .header("MS-RequestId", &request_id)
            .send()
    };
    assert_eq!(delete().await.unwrap().status(), 204);
    let again = delete().await.unwrap();
    assert_eq!(again.status(), 204, "not 404: the retry is the same delete");
    assert!(replayed(&again));
    // Another partner using the same id is a different request altogether.
    let other = s
        .add_partner("Other", partnerd_store::PartnerKind::Sandbox, None)
        .await;
    let r = s
        .authed(Method::POST, "/v1/customers", &s.app_token_of(&other).await)
        .header("MS-RequestId", &request_id)
        .json(&customer_body("other-partner.onmicrosoft.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(!replayed(&r));
}

#[tokio::test]
async fn the_store_holds_neither_request_ids_nor_readable_passwords() {
    let s = TestServer::start().await;
    let t = s.app_token().await;
    let request_id = format!("visible-{}", uuid::Uuid::new_v4());
    let r = s
        .authed(Method::POST, "/v1/customers", &t)
        .header("MS-RequestId", &request_id)
        .json(&customer_body("secretive.onmicrosoft.com"))
        .send()
        .await
        .unwrap();
    let (status, c) = status_json(r).await;
    assert_eq!(status, 201);
    let password = c["userCredentials"]["password"]
        .as_str()
        .unwrap()
        .to_owned();
    let conn = rusqlite::Connection::open(&s.db_path).unwrap();
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT request_id, body FROM idempotency")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        !rows[0].0.contains("visible"),
        "the request id is stored hashed"
    );
    let body = String::from_utf8_lossy(&rows[0].1);
    assert!(
        !body.contains(&password) && !body.contains("secretive"),
        "the stored body is sealed"
    );
}
