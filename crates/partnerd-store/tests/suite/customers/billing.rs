//! The billing profile: updates by compare-and-swap on its ETag, exactly one winner among
//! racing writers, and the billing-only read (cached by some backends) seeing every write.

use std::sync::Arc;

use partnerd_store::*;

use crate::{add_partner, billing_profile, create, new_customer, related};

pub(crate) async fn update_billing_profile_compare_and_swap(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let c = create(&store, new_customer(&p, "billed.onmicrosoft.com", "Billed")).await;
    assert_eq!(c.etag, 1);

    let v = store
        .update_billing_profile(
            &p,
            &c.id,
            EtagCondition::Exactly(1),
            billing_profile("Second"),
            2,
            None,
        )
        .await
        .unwrap();
    assert_eq!((v.id.as_str(), v.etag), (c.id.as_str(), 2));
    assert_eq!(v.billing, billing_profile("Second"));
    assert_eq!(v.role, CustomerRole::Reseller);
    let stored = related(&store, &p, &c.id).await;
    assert_eq!(
        (stored.etag, &stored.billing),
        (2, &billing_profile("Second"))
    );
    assert_eq!(
        stored.company, c.company,
        "company profile must be untouched"
    );

    assert_err!(
        store
            .update_billing_profile(
                &p,
                &c.id,
                EtagCondition::Exactly(1),
                billing_profile("Stale"),
                3,
                None
            )
            .await,
        StoreError::EtagMismatch
    );
    let stored = related(&store, &p, &c.id).await;
    assert_eq!(
        (stored.etag, &stored.billing),
        (2, &billing_profile("Second"))
    );

    let v = store
        .update_billing_profile(
            &p,
            &c.id,
            EtagCondition::Any,
            billing_profile("Forced"),
            4,
            None,
        )
        .await
        .unwrap();
    assert_eq!(v.etag, 4);
    let v = store
        .update_billing_profile(
            &p,
            &c.id,
            EtagCondition::Any,
            billing_profile("Again"),
            5,
            None,
        )
        .await
        .unwrap();
    assert_eq!(v.etag, 5);
    let stored = related(&store, &p, &c.id).await;
    assert_eq!(
        (stored.etag, &stored.billing),
        (5, &billing_profile("Again"))
    );

    assert_err!(
        store
            .update_billing_profile(
                &q,
                &c.id,
                EtagCondition::Any,
                billing_profile("Hijack"),
                6,
                None
            )
            .await,
        StoreError::NoRelationship
    );
    assert_err!(
        store
            .update_billing_profile(
                &q,
                &c.id,
                EtagCondition::Exactly(5),
                billing_profile("Hijack"),
                6,
                None
            )
            .await,
        StoreError::NoRelationship
    );
    let stored = related(&store, &p, &c.id).await;
    assert_eq!(
        (stored.etag, &stored.billing),
        (5, &billing_profile("Again"))
    );

    assert_err!(
        store
            .update_billing_profile(
                &p,
                &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
                EtagCondition::Any,
                billing_profile("Nobody"),
                7,
                None
            )
            .await,
        StoreError::CustomerNotFound
    );
}

pub(crate) async fn concurrent_billing_updates_have_one_winner(store: DynStore) {
    const WRITERS: i64 = 32;
    let p = add_partner(&store, "contoso").await;
    let c = create(&store, new_customer(&p, "raced.onmicrosoft.com", "Raced")).await;
    let base = c.etag;
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS as usize));

    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (store, barrier, p, id) = (store.clone(), barrier.clone(), p.clone(), c.id.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let profile = billing_profile(&format!("Writer {i}"));
                let new_etag = base + 1 + i;
                let result = store
                    .update_billing_profile(
                        &p,
                        &id,
                        EtagCondition::Exactly(base),
                        profile,
                        new_etag,
                        None,
                    )
                    .await;
                (i, result)
            })
        })
        .collect();

    let (mut winners, mut mismatches) = (Vec::new(), 0);
    for h in handles {
        match h.await.unwrap() {
            (i, Ok(view)) => {
                assert_eq!(view.etag, base + 1 + i);
                winners.push(i);
            }
            (_, Err(StoreError::EtagMismatch)) => mismatches += 1,
            (i, Err(e)) => panic!("writer {i} failed with {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(mismatches, WRITERS - 1);

    let winner = winners[0];
    let stored = related(&store, &p, &c.id).await;
    assert_eq!(stored.etag, base + 1 + winner);
    assert_eq!(stored.billing, billing_profile(&format!("Writer {winner}")));
}

/// The billing-only read (cached by some backends) sees every write at once.
pub(crate) async fn billing_reads_follow_every_write(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let c = create(&store, new_customer(&p, "cached.onmicrosoft.com", "Cached")).await;
    let (before, etag) = store.billing_profile(&p, &c.id).await.unwrap();
    let mut changed = before.clone();
    changed.company_name = Some("Changed".into());
    store
        .update_billing_profile(
            &p,
            &c.id,
            EtagCondition::Exactly(etag),
            changed,
            etag + 7,
            None,
        )
        .await
        .unwrap();
    let (after, new_etag) = store.billing_profile(&p, &c.id).await.unwrap();
    assert_eq!(after.company_name.as_deref(), Some("Changed"));
    assert_eq!(new_etag, etag + 7);
    assert_err!(
        store.billing_profile(&q, &c.id).await,
        StoreError::NoRelationship
    );
    store
        .remove_relationship(
            &p,
            &c.id,
            RelationshipRemoval {
                reseller: true,
                delegated_access: false,
            },
            None,
        )
        .await
        .unwrap();
    assert_err!(
        store.billing_profile(&p, &c.id).await,
        StoreError::NoRelationship
    );
    let d = create(
        &store,
        new_customer(&p, "deleted.onmicrosoft.com", "Deleted"),
    )
    .await;
    store.billing_profile(&p, &d.id).await.unwrap();
    assert!(store.delete_customer(&d.id, None).await.unwrap());
    assert_err!(
        store.billing_profile(&p, &d.id).await,
        StoreError::CustomerNotFound
    );
}

/// Many billing reads at once (which some backends answer together) each get their own
/// customer's profile, or their own refusal.
pub(crate) async fn concurrent_billing_reads_each_get_their_own(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let mut mine = Vec::new();
    for i in 0..12 {
        let name = format!("Concurrent {i}");
        mine.push((
            create(&store, new_customer(&p, &format!("c{i}.example"), &name)).await,
            name,
        ));
    }
    let theirs = create(&store, new_customer(&q, "theirs.example", "Theirs")).await;
    let missing = CustomerId::parse("00000000-0000-4000-8000-ffffffffffff").unwrap();
    let mut reads = Vec::new();
    for round in 0..5 {
        for (view, name) in &mine {
            let (store, p, id, name) = (store.clone(), p.clone(), view.id.clone(), name.clone());
            reads.push(tokio::spawn(async move {
                let (billing, etag) = store.billing_profile(&p, &id).await.unwrap();
                assert_eq!(
                    billing.first_name.as_deref(),
                    Some(name.as_str()),
                    "round {round}"
                );
                assert_eq!(etag, 1);
            }));
        }
        let (s, partner, id) = (store.clone(), p.clone(), theirs.id.clone());
        reads.push(tokio::spawn(async move {
            assert_err!(
                s.billing_profile(&partner, &id).await,
                StoreError::NoRelationship
            );
        }));
        let (s, partner, id) = (store.clone(), p.clone(), missing.clone());
        reads.push(tokio::spawn(async move {
            assert_err!(
                s.billing_profile(&partner, &id).await,
                StoreError::CustomerNotFound
            );
        }));
    }
    for read in reads {
        read.await.unwrap();
    }
}
