//! Several `partnerd serve` processes over one PostgreSQL database behave as one service.
//!
//! Needs a PostgreSQL server: `PARTNERD_TEST_POSTGRES` (default
//! `postgres://partnerd:partnerd@127.0.0.1:5432/partnerd`, as `.ci/postgres.sh` sets up). Each
//! test makes its own database. Without a reachable server every test here says so loudly on
//! stderr and returns, or fails in CI and whenever `PARTNERD_TEST_POSTGRES` is set
//! (see `partnerd_testkit::postgres`).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use partnerd_testkit::customer_body;
use partnerd_testkit::postgres::{server_url, unreachable};
use serde_json::{json, Value};

/// A fresh database on the test server, or `None` (after a loud message) if none answers;
/// where PostgreSQL is required, a server that does not answer fails the test instead.
pub(crate) fn fresh_database() -> Option<String> {
    let admin = server_url();
    let name = format!("partnerd_mn_{}", uuid::Uuid::new_v4().simple());
    let created = Command::new("psql")
        .arg(&admin)
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .stderr(Stdio::piped())
        .output();
    match created {
        Ok(out) if out.status.success() => {
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin);
            Some(format!("{base}/{name}"))
        }
        other => {
            unreachable(match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                Err(e) => e.to_string(),
            });
            None
        }
    }
}

pub(crate) struct Node {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) async fn start_node(database: &str) -> Node {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_partnerd"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
            "--admin-token",
            "multi-node",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned by a Node at once, so the process is reaped however this function ends.
    let node = Node {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = http
            .get(format!("{}/_partnerd/ready", node.base))
            .send()
            .await
        {
            if r.status() == 200 {
                return node;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("node on {} did not become ready", node.base);
}

/// Three nodes over one fresh database, and a partner's credentials.
async fn cluster() -> Option<(Vec<Node>, Value)> {
    let database = fresh_database()?;
    let out = Command::new(env!("CARGO_BIN_EXE_partnerd"))
        .args([
            "partner",
            "create",
            "--database",
            &database,
            "--name",
            "Multi",
            "--customer-cap",
            "0",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let partner: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Started together: their migrations race, and the advisory lock serialises them.
    let nodes = futures_join3(
        start_node(&database),
        start_node(&database),
        start_node(&database),
    )
    .await;
    Some((nodes, partner))
}

async fn futures_join3<F: std::future::Future<Output = Node>>(a: F, b: F, c: F) -> Vec<Node> {
    let (a, b, c) = tokio::join!(a, b, c);
    vec![a, b, c]
}

async fn token_from(node: &Node, partner: &Value) -> String {
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/{}/oauth2/token",
            node.base,
            partner["tenantId"].as_str().unwrap()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", partner["clientId"].as_str().unwrap()),
            ("client_secret", partner["clientSecret"].as_str().unwrap()),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().expect("a token").to_owned()
}

/// Creates a customer through `node` and returns it as the node answered.
async fn create_customer(http: &reqwest::Client, node: &Node, token: &str, domain: &str) -> Value {
    http.post(format!("{}/v1/customers", node.base))
        .bearer_auth(token)
        .json(&customer_body(domain))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn tokens_and_continuation_tokens_work_on_every_node() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = token_from(&nodes[0], &partner).await;
    for (i, node) in nodes.iter().enumerate() {
        let r = http
            .post(format!("{}/v1/customers", node.base))
            .bearer_auth(&token)
            .json(&customer_body(&format!("mn{i}.onmicrosoft.com")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            201,
            "a token minted by node 0 works on node {i}"
        );
    }
    let first: Value = http
        .get(format!("{}/v1/customers?size=1", nodes[0].base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut seen = vec![first["items"][0]["id"].clone()];
    let mut continuation = first["continuationToken"].as_str().unwrap().to_owned();
    for node in &nodes[1..] {
        let page: Value = http
            .get(format!("{}/v1/customers?seekOperation=Next", node.base))
            .bearer_auth(&token)
            .header("MS-ContinuationToken", &continuation)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.push(page["items"][0]["id"].clone());
        continuation = page["continuationToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    seen.dedup();
    assert_eq!(
        seen.len(),
        3,
        "the scan continued across nodes without repeats: {seen:?}"
    );
}

#[tokio::test]
async fn forty_eight_puts_with_one_etag_over_three_nodes_have_one_winner() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = token_from(&nodes[1], &partner).await;
    let c = create_customer(&http, &nodes[0], &token, "race.onmicrosoft.com").await;
    let id = c["id"].as_str().unwrap().to_owned();
    let profile = c["billingProfile"].clone();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let barrier = Arc::new(tokio::sync::Barrier::new(48));
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (http, base, token, id, etag, barrier) = (
            http.clone(),
            bases[i % 3].clone(),
            token.clone(),
            id.clone(),
            etag.clone(),
            barrier.clone(),
        );
        let mut body = profile.clone();
        body["companyName"] = json!(format!("Writer {i}"));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            http.put(format!("{base}/v1/customers/{id}/profiles/billing"))
                .bearer_auth(&token)
                .header("If-Match", format!("\"{etag}\""))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        47,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn one_request_id_sent_to_all_nodes_at_once_writes_once() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = token_from(&nodes[2], &partner).await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = customer_body("once-across.onmicrosoft.com");
    let mut tasks = Vec::new();
    for node in &nodes {
        for _ in 0..4 {
            let (http, base, token, request_id, body) = (
                http.clone(),
                node.base.clone(),
                token.clone(),
                request_id.clone(),
                body.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/v1/customers"))
                    .bearer_auth(&token)
                    .header("MS-RequestId", request_id)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.bytes().await.unwrap())
            }));
        }
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _)| *s == 201),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        answers.iter().all(|(_, b)| *b == answers[0].1),
        "every node answers the same bytes"
    );
    let page: Value = http
        .get(format!("{}/v1/customers", nodes[1].base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["totalCount"], 1);
}

#[tokio::test]
async fn a_write_on_one_node_is_read_at_once_on_the_others_amid_concurrent_reads() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let token = token_from(&nodes[0], &partner).await;
    let c = create_customer(&http, &nodes[0], &token, "read-your-writes.onmicrosoft.com").await;
    let path = format!(
        "/v1/customers/{}/profiles/billing",
        c["id"].as_str().unwrap()
    );
    let mut profile = c["billingProfile"].clone();
    for round in 0..30 {
        let (writer, reader) = (&nodes[round % 3], &nodes[(round + 1) % 3]);
        profile["companyName"] = json!(format!("Round {round}"));
        let written: Value = http
            .put(format!("{}{path}", writer.base))
            .bearer_auth(&token)
            .header("If-Match", "*")
            .json(&profile)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // Other reads of the same profile arrive with the checked one, so that the node
        // answers them together (billing reads share a statement on PostgreSQL).
        let reads: Vec<_> = (0..16)
            .map(|_| {
                http.get(format!("{}{path}", reader.base))
                    .bearer_auth(&token)
                    .send()
            })
            .collect();
        for read in futures_util::future::join_all(reads).await {
            let read: Value = read.unwrap().json().await.unwrap();
            assert_eq!(read["companyName"], json!(format!("Round {round}")));
            assert_eq!(read["attributes"]["etag"], written["attributes"]["etag"]);
        }
    }
}

/// What the dashboard does through one node holds on the others: the partners it lists, the
/// credentials it resets, the keys it rotates, and the partner tokens it mints (which carry
/// the billing edit and its ETag conflict to whichever node answers).
#[tokio::test]
async fn the_dashboard_sees_and_steers_every_node_alike() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let admin = |node: &Node, method: reqwest::Method, path: &str| {
        http.request(method, format!("{}{path}", node.base))
            .bearer_auth("multi-node")
    };
    let tenant = partner["tenantId"].as_str().unwrap();
    let json = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let call = |node: &Node, method: reqwest::Method, path: &str| {
        let sent = admin(node, method, path).send();
        async move { json(sent.await.unwrap()).await }
    };

    // Every node serves the page and lists the same partners.
    for node in &nodes {
        let r = http
            .get(format!("{}/_partnerd/ui/", node.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (status, list) = call(node, reqwest::Method::GET, "/_partnerd/partners").await;
        assert_eq!(status, 200);
        assert_eq!(list[0]["tenantId"], tenant);
    }

    // A reset on node 0: the new secret works on node 2, the old one nowhere.
    let (status, fresh) = call(
        &nodes[0],
        reqwest::Method::POST,
        &format!("/_partnerd/partners/{tenant}/credentials"),
    )
    .await;
    assert_eq!(status, 200);
    let mut renewed = partner.clone();
    renewed["clientSecret"] = fresh["clientSecret"].clone();
    token_from(&nodes[2], &renewed).await;
    let r = http
        .post(format!("{}/{tenant}/oauth2/token", nodes[1].base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", partner["clientId"].as_str().unwrap()),
            ("client_secret", partner["clientSecret"].as_str().unwrap()),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the old secret is gone on every node");

    // A key rotated on node 1 is listed by node 0, and a token node 1 mints with it is taken
    // by node 2.
    let (status, keys) = call(&nodes[1], reqwest::Method::POST, "/_partnerd/keys").await;
    assert_eq!(status, 201);
    let (_, listed) = call(&nodes[0], reqwest::Method::GET, "/_partnerd/keys").await;
    assert_eq!(listed[0]["kid"], keys[0]["kid"]);
    let (status, minted) = call(
        &nodes[1],
        reqwest::Method::POST,
        &format!("/_partnerd/partners/{tenant}/token"),
    )
    .await;
    assert_eq!(status, 200);
    let token = minted["access_token"].as_str().unwrap().to_owned();
    let customer = create_customer(&http, &nodes[2], &token, "dashmn.onmicrosoft.com").await;
    let id = customer["id"].as_str().expect("created through node 2");

    // The billing edit: saved through node 0 with its ETag; the same stale ETag through
    // node 2 is the API's conflict.
    let billing = format!("/v1/customers/{id}/profiles/billing");
    let profile: Value = http
        .get(format!("{}{billing}", nodes[0].base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let etag = profile["attributes"]["etag"].as_str().unwrap().to_owned();
    let mut edited = profile.clone();
    edited["firstName"] = json!("Grace");
    let put = |node: &Node, body: Value| {
        http.put(format!("{}{billing}", node.base))
            .bearer_auth(&token)
            .header("If-Match", format!("\"{etag}\""))
            .json(&body)
            .send()
    };
    assert_eq!(put(&nodes[0], edited.clone()).await.unwrap().status(), 200);
    edited["lastName"] = json!("Hopper");
    let (status, conflict) = json(put(&nodes[2], edited).await.unwrap()).await;
    assert_eq!((status, conflict["code"].clone()), (400, json!(2055)));
}

/// A sign-in name is held by one user, whichever nodes race for it: twelve creates of one
/// name over three nodes at once, exactly one made.
#[tokio::test]
async fn one_user_name_raced_over_three_nodes_is_made_once() {
    let Some((nodes, partner)) = cluster().await else {
        return;
    };
    let http = reqwest::Client::new();
    let tenant = partner["tenantId"].as_str().unwrap();
    let minted: Value = http
        .post(format!(
            "{}/_partnerd/partners/{tenant}/token",
            nodes[0].base
        ))
        .bearer_auth("multi-node")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["access_token"].as_str().unwrap().to_owned();
    let customer = create_customer(&http, &nodes[0], &token, "usersrace.onmicrosoft.com").await;
    let users = format!("/v1/customers/{}/users", customer["id"].as_str().unwrap());
    let body = json!({"userPrincipalName": "same@usersrace.onmicrosoft.com", "displayName": "Same",
        "passwordProfile": {"password": "Password!1"}});
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let request = http
            .post(format!("{}{users}", nodes[i % 3].base))
            .bearer_auth(&token)
            .json(&body);
        set.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = set.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let page: Value = http
        .get(format!("{}{users}", nodes[2].base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let same = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["userPrincipalName"] == "same@usersrace.onmicrosoft.com")
        .count();
    assert_eq!(same, 1, "{page}");
}
