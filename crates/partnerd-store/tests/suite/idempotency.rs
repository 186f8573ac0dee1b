//! [`IdempotencyStore`]: reserving a request id, completing it with the stored answer,
//! replaying it, taking over a lapsed lease; and the completion that commits in the same
//! transaction as the write it answers, or undoes the write when its lease is gone.

use std::sync::Arc;

use partnerd_store::*;

use crate::{add_partner, billing_profile, create, new_customer, related, tid};

fn lease(partner: &TenantId, request: &str, token: &str) -> Lease {
    Lease {
        key: IdempotencyKey {
            partner_id: partner.clone(),
            request_id: request.into(),
        },
        token: token.into(),
        node: "node-a".into(),
    }
}

fn response(status: u16, body: &str) -> StoredResponse {
    StoredResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

pub(crate) async fn idempotency_reserve_complete_replay(store: DynStore) {
    let first = lease(&tid("p1"), "r1", "t1");
    let second = lease(&tid("p1"), "r1", "t2");
    assert_eq!(
        store.reserve(&first, "fp", 30, 3600).await.unwrap(),
        Reservation::Acquired
    );
    assert_eq!(
        store.reserve(&second, "fp", 30, 3600).await.unwrap(),
        Reservation::Pending {
            fingerprint: "fp".into()
        }
    );
    // Only the holder of the lease can complete.
    assert!(!store.complete(&second, response(200, "x")).await.unwrap());
    assert!(store.complete(&first, response(412, "{}")).await.unwrap());
    assert_eq!(
        store.reserve(&second, "fp", 30, 3600).await.unwrap(),
        Reservation::Completed {
            fingerprint: "fp".into(),
            response: response(412, "{}")
        }
    );
    // Keys are per partner.
    assert_eq!(
        store
            .reserve(&lease(&tid("p2"), "r1", "t3"), "other", 30, 3600)
            .await
            .unwrap(),
        Reservation::Acquired
    );
    // A released key runs again; a lapsed lease is taken over by the same request only.
    let gone = lease(&tid("p1"), "r2", "t4");
    assert_eq!(
        store.reserve(&gone, "fp2", 30, 3600).await.unwrap(),
        Reservation::Acquired
    );
    store.release(&gone).await.unwrap();
    assert_eq!(
        store
            .reserve(&lease(&tid("p1"), "r2", "t5"), "fp2", 0, 3600)
            .await
            .unwrap(),
        Reservation::Acquired
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        store
            .reserve(&lease(&tid("p1"), "r2", "t6"), "different", 30, 3600)
            .await
            .unwrap(),
        Reservation::Pending {
            fingerprint: "fp2".into()
        }
    );
    assert_eq!(
        store
            .reserve(&lease(&tid("p1"), "r2", "t7"), "fp2", 30, 3600)
            .await
            .unwrap(),
        Reservation::Acquired
    );
    assert!(
        !store
            .complete(&lease(&tid("p1"), "r2", "t5"), response(200, "late"))
            .await
            .unwrap(),
        "the lapsed holder lost it"
    );
}

pub(crate) async fn idempotency_completion_commits_with_the_write(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let held = lease(&p, "create-1", "t1");
    assert_eq!(
        store.reserve(&held, "fp", 30, 3600).await.unwrap(),
        Reservation::Acquired
    );
    let completion = Completion {
        lease: held.clone(),
        render: Box::new(|view: Option<&CustomerView>| response(201, &view.unwrap().id)),
    };
    let new = new_customer(&p, "idem.onmicrosoft.com", "Idem");
    let id = new.id.clone();
    store
        .create_customer(new, None, Some(completion))
        .await
        .unwrap();
    match store
        .reserve(&lease(&p, "create-1", "t2"), "fp", 30, 3600)
        .await
        .unwrap()
    {
        Reservation::Completed { response: r, .. } => assert_eq!(r.body, id.as_bytes()),
        other => panic!("expected the stored response, got {other:?}"),
    }
    // A completion whose lease was lost undoes its write.
    let lost = Completion {
        lease: lease(&p, "never-reserved", "t9"),
        render: Box::new(|_| response(201, "x")),
    };
    let new = new_customer(&p, "undone.onmicrosoft.com", "Undone");
    let undone = new.id.clone();
    assert_err!(
        store.create_customer(new, None, Some(lost)).await,
        StoreError::Unavailable(_)
    );
    assert!(matches!(
        store.customer(&p, &undone).await.unwrap(),
        CustomerLookup::Missing
    ));
    assert!(!store.domain_taken("undone.onmicrosoft.com").await.unwrap());
}

pub(crate) async fn concurrent_reservations_have_one_holder(store: DynStore) {
    const REQUESTS: usize = 16;
    let barrier = Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let handles: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                let mine = lease(&tid("p1"), "raced", &format!("t{i}"));
                barrier.wait().await;
                let reservation = store.reserve(&mine, "fp", 30, 3600).await.unwrap();
                (mine, reservation)
            })
        })
        .collect();
    let mut holders = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            (mine, Reservation::Acquired) => holders.push(mine),
            (_, Reservation::Pending { fingerprint }) => assert_eq!(fingerprint, "fp"),
            (_, other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(holders.len(), 1, "holders: {holders:?}");
    assert!(store
        .complete(&holders[0], response(201, "done"))
        .await
        .unwrap());
    assert_eq!(
        store
            .reserve(&lease(&tid("p1"), "raced", "late"), "fp", 30, 3600)
            .await
            .unwrap(),
        Reservation::Completed {
            fingerprint: "fp".into(),
            response: response(201, "done")
        }
    );
}

/// Every write that takes a completion rolls back when its lease is gone.
pub(crate) async fn lost_lease_undoes_every_write(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let c = create(&store, new_customer(&p, "kept.onmicrosoft.com", "Kept")).await;
    let lost = || Completion {
        lease: lease(&p, "never-reserved", "t9"),
        render: Box::new(|_| response(200, "x")),
    };
    assert_err!(
        store
            .update_billing_profile(
                &p,
                &c.id,
                EtagCondition::Any,
                billing_profile("Undone"),
                9,
                Some(lost())
            )
            .await,
        StoreError::Unavailable(_)
    );
    assert_err!(
        store
            .remove_relationship(
                &p,
                &c.id,
                RelationshipRemoval {
                    reseller: false,
                    delegated_access: true,
                },
                Some(lost())
            )
            .await,
        StoreError::Unavailable(_)
    );
    assert_err!(
        store.delete_customer(&c.id, Some(lost())).await,
        StoreError::Unavailable(_)
    );
    assert_eq!(related(&store, &p, &c.id).await, c, "a write was kept");
    assert_eq!(
        store.billing_profile(&p, &c.id).await.unwrap(),
        (c.billing.clone(), c.etag)
    );
}

pub(crate) async fn stale_leases_are_released_by_node_or_all(store: DynStore) {
    let p = tid("p1");
    let on_a = lease(&p, "ra", "t1");
    let mut on_b = lease(&p, "rb", "t2");
    on_b.node = "node-b".into();
    let finished = lease(&p, "rf", "t3");
    for l in [&on_a, &on_b, &finished] {
        assert_eq!(
            store.reserve(l, "fp", 30, 3600).await.unwrap(),
            Reservation::Acquired
        );
    }
    assert!(store
        .complete(&finished, response(201, "{}"))
        .await
        .unwrap());
    let retry = |key: &str, token: &str| lease(&p, key, token);

    // Node b restarts: its lease goes, node a's stays (a retry still waits for it).
    assert_eq!(store.release_stale(Some("node-b")).await.unwrap(), 1);
    assert_eq!(
        store
            .reserve(&retry("rb", "t4"), "fp", 30, 3600)
            .await
            .unwrap(),
        Reservation::Acquired,
        "a retry of node b's request runs at once"
    );
    assert_eq!(
        store
            .reserve(&retry("ra", "t5"), "fp", 30, 3600)
            .await
            .unwrap(),
        Reservation::Pending {
            fingerprint: "fp".into()
        }
    );
    assert_eq!(store.release_stale(Some("node-c")).await.unwrap(), 0);

    // A store owned by one server releases every pending lease; finished records stay.
    assert_eq!(store.release_stale(None).await.unwrap(), 2);
    assert_eq!(
        store
            .reserve(&retry("ra", "t6"), "fp", 30, 3600)
            .await
            .unwrap(),
        Reservation::Acquired
    );
    assert_eq!(
        store
            .reserve(&retry("rf", "t7"), "fp", 30, 3600)
            .await
            .unwrap(),
        Reservation::Completed {
            fingerprint: "fp".into(),
            response: response(201, "{}")
        }
    );
}
