//! [`CustomerStore`]: customers and each partner's relationship to them. Creation (unique
//! domains, the sandbox cap, indirect resellers), lookups from each partner's side, removing
//! relationships, deleting, resetting a partner, and creations racing on several nodes; lists
//! and their paging are in [`paging`], prefix searches at scale in [`search`], the billing profile and its compare-and-swap in
//! [`billing`]. Their cases are re-exported here, where `backend_suite!` looks for them.

use std::sync::Arc;

use partnerd_store::*;

use crate::{add_partner, create, new_customer, related};

mod billing;
mod paging;
mod search;

pub(crate) use billing::*;
pub(crate) use paging::*;
pub(crate) use search::*;

async fn assert_unrelated(store: &DynStore, partner: &TenantId, customer: &CustomerId) {
    let lookup = store
        .customer(partner, customer)
        .await
        .expect("customer lookup");
    assert!(
        matches!(lookup, CustomerLookup::Unrelated),
        "expected {customer} unrelated to {partner}, got {lookup:?}"
    );
}

async fn assert_missing(store: &DynStore, partner: &TenantId, customer: &CustomerId) {
    let lookup = store
        .customer(partner, customer)
        .await
        .expect("customer lookup");
    assert!(
        matches!(lookup, CustomerLookup::Missing),
        "expected {customer} missing, got {lookup:?}"
    );
}

fn query(filter: Option<CustomerFilter>, after: Option<i64>, limit: u32) -> CustomerQuery {
    CustomerQuery {
        filter,
        after,
        limit,
    }
}

/// Ids of one page.
async fn page(store: &DynStore, partner: &TenantId, query: &CustomerQuery) -> Vec<CustomerId> {
    let views = store
        .list_customers(partner, query)
        .await
        .expect("list customers");
    views.into_iter().map(|v| v.id).collect()
}

/// Ids of every customer of `partner` matching `filter`, in one big page.
async fn all(
    store: &DynStore,
    partner: &TenantId,
    filter: Option<CustomerFilter>,
) -> Vec<CustomerId> {
    page(store, partner, &query(filter, None, 1000)).await
}

fn ids(views: &[&CustomerView]) -> Vec<CustomerId> {
    views.iter().map(|v| v.id.clone()).collect()
}

pub(crate) async fn customer_create_and_lookup(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;

    let new = new_customer(&p, "fourth-coffee.onmicrosoft.com", "Fourth Coffee");
    let created = create(&store, new.clone()).await;
    assert_eq!(created.id, new.id);
    assert_eq!(created.commerce_id, new.commerce_id);
    assert_eq!(created.domain, "fourth-coffee.onmicrosoft.com");
    assert_eq!(
        created.custom_domains,
        vec!["fourth-coffee.onmicrosoft.com".to_owned()]
    );
    assert_eq!(created.company, new.company);
    assert_eq!(created.billing, new.billing);
    assert_eq!(created.etag, 1);
    assert_eq!(created.associated_partner_id, None);
    assert_eq!(created.role, CustomerRole::Reseller);
    assert!(created.delegated_access);

    let seen = related(&store, &p, &new.id).await;
    assert_eq!(seen, created, "lookup must return what create returned");

    assert_unrelated(&store, &q, &new.id).await;
    assert_missing(
        &store,
        &p,
        &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
    )
    .await;
    assert_missing(
        &store,
        &q,
        &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
    )
    .await;

    // The billing-only read agrees with the full one.
    let (billing, etag) = store.billing_profile(&p, &new.id).await.unwrap();
    assert_eq!((billing, etag), (created.billing.clone(), created.etag));
    assert_err!(
        store.billing_profile(&q, &new.id).await,
        StoreError::NoRelationship
    );
    assert_err!(
        store
            .billing_profile(
                &p,
                &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap()
            )
            .await,
        StoreError::CustomerNotFound
    );

    let second = create(&store, new_customer(&p, "second.onmicrosoft.com", "Second")).await;
    assert!(second.seq > created.seq, "seq must grow in creation order");
    assert_eq!(related(&store, &p, &second.id).await.seq, second.seq);
}

pub(crate) async fn customer_domains_are_unique(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    assert!(!store.domain_taken("shared.onmicrosoft.com").await.unwrap());

    let first = create(&store, new_customer(&p, "shared.onmicrosoft.com", "First")).await;
    assert!(store.domain_taken("shared.onmicrosoft.com").await.unwrap());
    assert!(store.domain_taken("SHARED.OnMicrosoft.com").await.unwrap());
    assert!(!store.domain_taken("shared.onmicrosoft").await.unwrap());
    assert!(!store.domain_taken("other.onmicrosoft.com").await.unwrap());

    let theirs = new_customer(&q, "shared.onmicrosoft.com", "Second");
    assert_err!(
        store.create_customer(theirs.clone(), None, None).await,
        StoreError::DomainTaken
    );
    assert_missing(&store, &q, &theirs.id).await;
    assert_eq!(all(&store, &q, None).await, Vec::<CustomerId>::new());

    let mine = new_customer(&p, "shared.onmicrosoft.com", "Third");
    assert_err!(
        store.create_customer(mine.clone(), Some(10), None).await,
        StoreError::DomainTaken
    );
    assert_missing(&store, &p, &mine.id).await;
    assert_eq!(all(&store, &p, None).await, vec![first.id]);
}

pub(crate) async fn customer_cap_is_enforced_atomically(store: DynStore) {
    let capped = add_partner(&store, "capped").await;
    let a1 = create_capped(&store, &capped, "a1", Some(2)).await.unwrap();
    let a2 = create_capped(&store, &capped, "a2", Some(2)).await.unwrap();

    let third = new_customer(&capped, "a3.onmicrosoft.com", "a3");
    assert_err!(
        store.create_customer(third.clone(), Some(2), None).await,
        StoreError::CapReached(2)
    );
    assert_missing(&store, &capped, &third.id).await;
    assert!(
        !store.domain_taken("a3.onmicrosoft.com").await.unwrap(),
        "rejected domain stored"
    );
    assert_eq!(
        all(&store, &capped, None).await,
        vec![a1.id.clone(), a2.id.clone()]
    );

    // Cap 0 and no cap both mean unlimited.
    let free = add_partner(&store, "free").await;
    for i in 0..3 {
        create_capped(&store, &free, &format!("zero{i}"), Some(0))
            .await
            .unwrap();
    }
    for i in 0..3 {
        create_capped(&store, &free, &format!("none{i}"), None)
            .await
            .unwrap();
    }
    assert_eq!(all(&store, &free, None).await.len(), 6);
    // Without a cap the capped partner may go past its sandbox limit too.
    create_capped(&store, &capped, "a4", None).await.unwrap();

    // The cap counts only the partner's own customers.
    let other = add_partner(&store, "other").await;
    create_capped(&store, &other, "o1", Some(2)).await.unwrap();
    create_capped(&store, &other, "o2", Some(2)).await.unwrap();
    assert_err!(
        create_capped(&store, &other, "o3", Some(2)).await,
        StoreError::CapReached(2)
    );

    // A deleted customer frees its place under the cap.
    let fresh = add_partner(&store, "fresh").await;
    let f1 = create_capped(&store, &fresh, "f1", Some(1)).await.unwrap();
    assert_err!(
        create_capped(&store, &fresh, "f2", Some(1)).await,
        StoreError::CapReached(1)
    );
    assert!(store.delete_customer(&f1.id, None).await.unwrap());
    create_capped(&store, &fresh, "f3", Some(1)).await.unwrap();
}

async fn create_capped(
    store: &DynStore,
    partner: &TenantId,
    name: &str,
    cap: Option<u32>,
) -> StoreResult<CustomerView> {
    let new = new_customer(partner, &format!("{name}.onmicrosoft.com"), name);
    store.create_customer(new, cap, None).await
}

pub(crate) async fn associated_partner_is_indirect_reseller(store: DynStore) {
    let provider = add_partner(&store, "provider").await;
    let reseller = add_partner(&store, "reseller").await;
    let other = add_partner(&store, "other-reseller").await;
    store.link_partners(&provider, &reseller).await.unwrap();
    store.link_partners(&provider, &other).await.unwrap();

    let mut via = new_customer(&provider, "via.onmicrosoft.com", "Via Reseller");
    via.associated_partner_id = Some(reseller.clone());
    let via = create(&store, via).await;
    assert_eq!(
        via.associated_partner_id.as_deref(),
        Some(reseller.as_str())
    );
    assert_eq!(via.role, CustomerRole::Reseller);

    let direct = create(
        &store,
        new_customer(&provider, "direct.onmicrosoft.com", "Direct"),
    )
    .await;
    let mut via_other = new_customer(&provider, "via-other.onmicrosoft.com", "Via Other");
    via_other.associated_partner_id = Some(other.clone());
    let via_other = create(&store, via_other).await;
    let own = create(
        &store,
        new_customer(&reseller, "own.onmicrosoft.com", "Own"),
    )
    .await;

    let as_reseller = related(&store, &reseller, &via.id).await;
    assert_eq!(as_reseller.role, CustomerRole::IndirectReseller);
    assert_eq!(
        as_reseller.associated_partner_id.as_deref(),
        Some(reseller.as_str())
    );
    assert_eq!(as_reseller.seq, via.seq);
    assert_eq!(
        related(&store, &provider, &via.id).await.role,
        CustomerRole::Reseller
    );
    assert_unrelated(&store, &reseller, &direct.id).await;
    assert_unrelated(&store, &reseller, &via_other.id).await;
    assert_unrelated(&store, &provider, &own.id).await;

    let indirect_reseller = |id: &TenantId| Some(CustomerFilter::IndirectReseller(id.clone()));
    let indirect_provider = |id: &TenantId| Some(CustomerFilter::IndirectProvider(id.clone()));
    assert_eq!(
        all(&store, &provider, None).await,
        ids(&[&via, &direct, &via_other])
    );
    assert_eq!(
        all(&store, &provider, indirect_reseller(&reseller)).await,
        ids(&[&via])
    );
    assert_eq!(
        all(&store, &provider, indirect_reseller(&other)).await,
        ids(&[&via_other])
    );
    assert_eq!(all(&store, &reseller, None).await, ids(&[&via, &own]));
    assert_eq!(
        all(&store, &reseller, indirect_provider(&provider)).await,
        ids(&[&via])
    );
    assert_eq!(
        all(&store, &other, indirect_provider(&provider)).await,
        ids(&[&via_other])
    );
    assert_eq!(
        all(&store, &reseller, indirect_provider(&other)).await,
        Vec::<CustomerId>::new()
    );

    let listed = store
        .list_customers(&reseller, &query(indirect_provider(&provider), None, 10))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].role, CustomerRole::IndirectReseller);
}

pub(crate) async fn remove_relationship(store: DynStore) {
    let provider = add_partner(&store, "provider").await;
    let reseller = add_partner(&store, "reseller").await;
    let reseller_only = RelationshipRemoval {
        reseller: true,
        delegated_access: false,
    };
    let access_only = RelationshipRemoval {
        reseller: false,
        delegated_access: true,
    };
    let nothing = RelationshipRemoval {
        reseller: false,
        delegated_access: false,
    };

    let mut shared = new_customer(&provider, "shared.onmicrosoft.com", "Shared");
    shared.associated_partner_id = Some(reseller.clone());
    let shared = create(&store, shared).await;
    let kept = create(
        &store,
        new_customer(&provider, "kept.onmicrosoft.com", "Kept"),
    )
    .await;

    let view = store
        .remove_relationship(&provider, &shared.id, reseller_only, None)
        .await
        .unwrap();
    assert_eq!(view.id, shared.id);
    assert!(!view.delegated_access);
    assert_unrelated(&store, &provider, &shared.id).await;
    assert_eq!(all(&store, &provider, None).await, ids(&[&kept]));
    let still = related(&store, &reseller, &shared.id).await;
    assert_eq!(still.role, CustomerRole::IndirectReseller);
    assert_eq!(all(&store, &reseller, None).await, ids(&[&shared]));
    assert!(store.domain_taken("shared.onmicrosoft.com").await.unwrap());
    assert_err!(
        store
            .remove_relationship(&provider, &shared.id, reseller_only, None)
            .await,
        StoreError::NoRelationship
    );
    assert_err!(
        store
            .remove_relationship(&provider, &shared.id, access_only, None)
            .await,
        StoreError::NoRelationship
    );

    let view = store
        .remove_relationship(&provider, &kept.id, access_only, None)
        .await
        .unwrap();
    assert!(!view.delegated_access);
    assert_eq!(view.role, CustomerRole::Reseller);
    let after = related(&store, &provider, &kept.id).await;
    assert!(
        !after.delegated_access,
        "delegated access removal not stored"
    );
    assert_eq!(after.role, CustomerRole::Reseller);
    assert_eq!(all(&store, &provider, None).await, ids(&[&kept]));

    assert_err!(
        store
            .remove_relationship(&provider, &kept.id, nothing, None)
            .await,
        StoreError::NothingToRemove
    );
    assert_eq!(
        related(&store, &provider, &kept.id).await.role,
        CustomerRole::Reseller
    );

    assert_err!(
        store
            .remove_relationship(
                &provider,
                &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
                reseller_only,
                None
            )
            .await,
        StoreError::CustomerNotFound
    );
}

pub(crate) async fn delete_customer(store: DynStore) {
    let p = add_partner(&store, "provider").await;
    let r = add_partner(&store, "reseller").await;
    let mut gone = new_customer(&p, "gone.onmicrosoft.com", "Gone");
    gone.associated_partner_id = Some(r.clone());
    let gone = create(&store, gone).await;
    let kept = create(&store, new_customer(&p, "kept.onmicrosoft.com", "Kept")).await;

    assert!(store.delete_customer(&gone.id, None).await.unwrap());
    assert!(!store.delete_customer(&gone.id, None).await.unwrap());
    assert!(!store
        .delete_customer(
            &CustomerId::parse("00000000-0000-0000-0000-000000000000").unwrap(),
            None
        )
        .await
        .unwrap());

    assert_missing(&store, &p, &gone.id).await;
    assert_missing(&store, &r, &gone.id).await;
    assert_eq!(all(&store, &p, None).await, ids(&[&kept]));
    assert_eq!(all(&store, &r, None).await, Vec::<CustomerId>::new());
    assert!(!store.domain_taken("gone.onmicrosoft.com").await.unwrap());
    assert!(store.domain_taken("kept.onmicrosoft.com").await.unwrap());

    let again = create(
        &store,
        new_customer(&r, "gone.onmicrosoft.com", "Gone Again"),
    )
    .await;
    assert_ne!(again.id, gone.id);
    assert!(again.seq > kept.seq, "seq reused after a delete");
    let seen = related(&store, &r, &again.id).await;
    assert_eq!(seen.company.company_name.as_deref(), Some("Gone Again"));
    assert_eq!(seen.role, CustomerRole::Reseller);
    assert_eq!(all(&store, &r, None).await, ids(&[&again]));
    assert_eq!(all(&store, &p, None).await, ids(&[&kept]));
}

pub(crate) async fn reset_empties_one_partner(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let a = create(&store, new_customer(&p, "a.onmicrosoft.com", "A")).await;
    create(&store, new_customer(&p, "b.onmicrosoft.com", "B")).await;
    let c = create(&store, new_customer(&q, "c.onmicrosoft.com", "C")).await;
    store.billing_profile(&p, &a.id).await.unwrap();
    assert_eq!(store.reset_partner(&p).await.unwrap(), 2);
    assert_err!(
        store.billing_profile(&p, &a.id).await,
        StoreError::CustomerNotFound
    );
    assert!(!store.domain_taken("a.onmicrosoft.com").await.unwrap());
    assert_eq!(related(&store, &q, &c.id).await.id, c.id);
    assert!(
        store.partner(&p).await.unwrap().is_some(),
        "credentials stay"
    );
    assert_eq!(store.reset_partner(&p).await.unwrap(), 0);
}

pub(crate) async fn concurrent_capped_creates_stop_at_the_cap(store: DynStore) {
    const CAP: u32 = 5;
    const WRITERS: usize = 16;
    let p = add_partner(&store, "capped").await;
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (store, barrier, p) = (store.clone(), barrier.clone(), p.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                create_capped(&store, &p, &format!("racer{i}"), Some(CAP)).await
            })
        })
        .collect();
    let (mut created, mut capped) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::CapReached(CAP)) => capped += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((created, capped), (CAP as usize, WRITERS - CAP as usize));
    assert_eq!(all(&store, &p, None).await.len(), CAP as usize);
}

pub(crate) async fn concurrent_creates_of_one_domain_have_one_winner(store: DynStore) {
    const WRITERS: usize = 8;
    let p = add_partner(&store, "contoso").await;
    let barrier = Arc::new(tokio::sync::Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let new = new_customer(&p, "wanted.onmicrosoft.com", &format!("Racer {i}"));
            tokio::spawn(async move {
                barrier.wait().await;
                store.create_customer(new, Some(100), None).await
            })
        })
        .collect();
    let (mut winners, mut taken) = (Vec::new(), 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(view) => winners.push(view),
            Err(StoreError::DomainTaken) => taken += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((winners.len(), taken), (1, WRITERS - 1));
    assert_eq!(all(&store, &p, None).await, ids(&[&winners[0]]));
}

pub(crate) async fn ping(store: DynStore) {
    store.ping().await.expect("ping");
    // And the store still answers real queries afterwards.
    assert_eq!(store.partner_count().await.unwrap(), 0);
}

pub(crate) async fn an_existing_customer_can_be_related_to_another_partner(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let c = create(
        &store,
        new_customer(&p, "invited.onmicrosoft.com", "Invited"),
    )
    .await;
    assert_unrelated(&store, &q, &c.id).await;
    assert!(store
        .relate_customer(&q, &c.id, CustomerRole::Reseller)
        .await
        .unwrap());
    let seen = related(&store, &q, &c.id).await;
    assert_eq!(seen.role, CustomerRole::Reseller);
    assert!(seen.delegated_access, "a reseller gets delegated access");
    assert_eq!(
        store.billing_profile(&q, &c.id).await.unwrap().1,
        c.etag,
        "the billing read path sees the new relationship at once"
    );
    // Relating again changes nothing; the first partner keeps its own relationship.
    assert!(!store
        .relate_customer(&q, &c.id, CustomerRole::IndirectReseller)
        .await
        .unwrap());
    assert_eq!(
        related(&store, &q, &c.id).await.role,
        CustomerRole::Reseller
    );
    assert_eq!(
        related(&store, &p, &c.id).await.role,
        CustomerRole::Reseller
    );
    let missing = CustomerId::parse("00000000-0000-4000-8000-00000000ffff").unwrap();
    assert_err!(
        store
            .relate_customer(&q, &missing, CustomerRole::Reseller)
            .await,
        StoreError::CustomerNotFound
    );
}
