//! What only the PostgreSQL backend has: several nodes opening one database at once, and how
//! connection failures are reported. The behaviour every backend shares is in the suite
//! (`tests/suite/`).
//!
//! Needs the server `PARTNERD_TEST_POSTGRES` names (default
//! `postgres://partnerd:partnerd@127.0.0.1:5432/partnerd`, which `.ci/postgres.sh` sets up).
//! Without one each test says so loudly on stderr and returns, except where PostgreSQL is
//! required (in CI, or whenever `PARTNERD_TEST_POSTGRES` is set): there it fails, so that a
//! green run proves this backend was tested.
#![cfg(feature = "postgres")]

use partnerd_store::{open, PartnerKind, PartnerRecord, StoreError, TenantId};

/// The test server's URL with a fresh schema, or `None` if no PostgreSQL answers there and
/// none is required (see `partnerd_testkit::postgres::unreachable`).
async fn fresh_url(test: &str) -> Option<String> {
    let server = partnerd_testkit::postgres::server_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!(
        "{server}{separator}schema=partnerd_test_{test}_{}_{nanos}",
        std::process::id()
    );
    match open(&url).await {
        Ok(_) => Some(url),
        Err(e) => {
            partnerd_testkit::postgres::unreachable(format_args!("{e}; test {test}"));
            None
        }
    }
}

async fn drop_schema(url: &str) {
    partnerd_store::postgres::drop_schema(url)
        .await
        .expect("drop the test schema");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let Some(url) = fresh_url("startup").await else {
        return;
    };
    // The schema exists now; drop it so that the nodes below race to create everything.
    drop_schema(&url).await;
    let opens: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { open(&url).await })
        })
        .collect();
    let mut nodes = Vec::new();
    for o in opens {
        nodes.push(o.await.unwrap().expect("every node opens"));
    }
    let partner = PartnerRecord {
        tenant_id: TenantId::parse("7e1d4b53-0000-4000-8000-000000000001").unwrap(),
        name: "Shared".into(),
        mpn_id: "1".into(),
        kind: PartnerKind::Sandbox,
        customer_cap: 25,
        domain: "shared.onmicrosoft.com".into(),
    };
    nodes[0]
        .create_partner(partnerd_store::NewPartner {
            partner: partner.clone(),
            apps: vec![],
            users: vec![],
            validation_codes: vec![],
        })
        .await
        .unwrap();
    for node in &nodes {
        assert_eq!(
            node.partner(&partner.tenant_id).await.unwrap(),
            Some(partner.clone())
        );
    }
    // A node starting later finds everything migrated.
    let late = open(&url).await.unwrap();
    assert_eq!(late.partner_count().await.unwrap(), 1);
    drop(nodes);
    drop(late);
    drop_schema(&url).await;
}

#[tokio::test]
async fn unreachable_server_is_unavailable() {
    // Nothing listens on port 1.
    let result = open("postgres://partnerd:secret@127.0.0.1:1/partnerd?connect_timeout=2").await;
    match result {
        Err(StoreError::Unavailable(message)) => {
            assert!(!message.contains("secret"), "password in {message}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("expected Unavailable, got a store"),
    }
}

#[tokio::test]
async fn rejected_credentials_are_a_configuration_error() {
    let Some(url) = fresh_url("credentials").await else {
        return;
    };
    drop_schema(&url).await;
    let Some((_, rest)) = url.split_once('@') else {
        return; // The URL has no credentials to get wrong.
    };
    let wrong = format!("postgres://partnerd:wrong-password@{rest}");
    match open(&wrong).await {
        Err(StoreError::Config(message)) => {
            assert!(!message.contains("wrong-password"), "password in {message}");
        }
        Err(other) => panic!("expected Config, got {other:?}"),
        Ok(_) => panic!("a wrong password was accepted"),
    }
}

#[tokio::test]
async fn bad_parameters_are_configuration_errors() {
    for url in [
        "postgres://u@127.0.0.1/d?pool_max_size=0",
        "postgres://u@127.0.0.1/d?schema=Not-An-Identifier",
        "postgres://u@127.0.0.1/d?no_such_parameter=1",
    ] {
        assert!(
            matches!(open(url).await, Err(StoreError::Config(_))),
            "{url} accepted"
        );
    }
}
