//! [`LifecycleStore`]: a customer's documents, qualifications (with the validation code they
//! use, decided in one transaction), domains added after creation (unique across every
//! tenant), and partners' validation codes; everything goes with its customer.

use partnerd_store::*;
use partnerd_wire::{
    Domain, DomainAuthenticationType, DomainCapability, DomainStatus, DomainVerificationMethod,
    Qualification, Subscription, VerifiedDomain, VettingStatus,
};

use crate::{add_partner, create, new_customer, related};

fn subscription(id: &str, status: &str) -> Subscription {
    Subscription {
        id: id.to_owned(),
        status: Some(status.to_owned()),
        quantity: Some(1),
        ..Default::default()
    }
}

fn sub_record(partner: &TenantId, id: &str, status: &str) -> CustomerRecord {
    CustomerRecord::of(
        RecordKind::Subscription,
        id,
        partner.clone(),
        &subscription(id, status),
    )
    .unwrap()
}

fn qualification(q: Qualification, code: Option<&str>) -> QualificationRecord {
    QualificationRecord {
        qualification: q,
        vetting_status: Some(VettingStatus::InReview),
        vetting_reason: None,
        created_at: 1,
        dated: true,
        education_segment: None,
        website: None,
        validation_id: code.map(str::to_owned),
        decided: false,
    }
}

fn code(id: &str, remaining: u32) -> ValidationCodeRecord {
    ValidationCodeRecord {
        validation_id: id.to_owned(),
        organization_name: "Org".to_owned(),
        max_creates: 3,
        remaining_creates: remaining,
        changed_at: 1,
    }
}

pub(crate) fn domain(name: &str) -> VerifiedDomain {
    VerifiedDomain {
        verified_domain_name: name.to_owned(),
        domain: Domain {
            name: Some(name.to_owned()),
            capability: DomainCapability::Email,
            authentication_type: DomainAuthenticationType::Managed,
            status: DomainStatus::Verified,
            verification_method: DomainVerificationMethod::DnsRecord,
            is_default: Some(false),
            is_initial: Some(false),
            root_domain: None,
        },
        domain_federation_settings: None,
    }
}

pub(crate) async fn records_are_written_swapped_and_deleted(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let c = create(&store, new_customer(&p, "rec.onmicrosoft.com", "Rec")).await;
    assert!(store
        .customer_records(&c.id, RecordKind::Subscription)
        .await
        .unwrap()
        .is_empty());
    let first = sub_record(&p, "s1", "active");
    assert!(store
        .put_customer_record(&c.id, first.clone(), None)
        .await
        .unwrap());
    store
        .put_customer_record(&c.id, sub_record(&p, "s0", "active"), None)
        .await
        .unwrap();
    let listed = store
        .customer_records(&c.id, RecordKind::Subscription)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["s0", "s1"],
        "in key order"
    );
    assert_eq!(listed[1], first);
    // Other kinds are apart.
    assert!(store
        .customer_records(&c.id, RecordKind::Qualification)
        .await
        .unwrap()
        .is_empty());

    // A compare-and-swap against the body last read wins once.
    let suspended = sub_record(&p, "s1", "suspended");
    assert!(store
        .put_customer_record(&c.id, suspended.clone(), Some(first.body.clone()))
        .await
        .unwrap());
    assert!(!store
        .put_customer_record(&c.id, sub_record(&p, "s1", "active"), Some(first.body))
        .await
        .unwrap());
    let now = store
        .customer_records(&c.id, RecordKind::Subscription)
        .await
        .unwrap();
    assert_eq!(now[1], suspended);

    // An insert never replaces.
    assert!(!store
        .insert_customer_record(&c.id, sub_record(&p, "s1", "active"), None)
        .await
        .unwrap());
    assert_eq!(
        store
            .customer_records(&c.id, RecordKind::Subscription)
            .await
            .unwrap()[1],
        suspended
    );
    assert!(store
        .insert_customer_record(&c.id, sub_record(&p, "s2", "active"), None)
        .await
        .unwrap());
    assert!(store
        .delete_customer_record(&c.id, RecordKind::Subscription, "s1")
        .await
        .unwrap());
    assert!(!store
        .delete_customer_record(&c.id, RecordKind::Subscription, "s1")
        .await
        .unwrap());
    let missing = CustomerId::random();
    assert_err!(
        store
            .customer_records(&missing, RecordKind::Subscription)
            .await,
        StoreError::CustomerNotFound
    );
    assert_err!(
        store
            .put_customer_record(&missing, sub_record(&p, "s", "active"), None)
            .await,
        StoreError::CustomerNotFound
    );
}

pub(crate) async fn active_subscriptions_keep_the_reseller_relationship(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let other = add_partner(&store, "fabrikam").await;
    let c = create(&store, new_customer(&p, "subs.onmicrosoft.com", "Subs")).await;
    store
        .relate_customer(&other, &c.id, CustomerRole::Reseller)
        .await
        .unwrap();
    store
        .put_customer_record(&c.id, sub_record(&p, "a", "active"), None)
        .await
        .unwrap();
    store
        .put_customer_record(&c.id, sub_record(&p, "b", "suspended"), None)
        .await
        .unwrap();
    let remove = RelationshipRemoval {
        reseller: true,
        delegated_access: false,
    };
    match store.remove_relationship(&p, &c.id, remove, None).await {
        Err(StoreError::ActiveSubscriptions(ids)) => assert_eq!(ids, ["a"]),
        other => panic!("expected ActiveSubscriptions, got {other:?}"),
    }
    related(&store, &p, &c.id).await;
    // Another partner's subscriptions are not its concern; delegated access may always go.
    store
        .remove_relationship(&other, &c.id, remove, None)
        .await
        .unwrap();
    let dap = RelationshipRemoval {
        reseller: false,
        delegated_access: true,
    };
    store
        .remove_relationship(&p, &c.id, dap, None)
        .await
        .unwrap();
    store
        .put_customer_record(&c.id, sub_record(&p, "a", "suspended"), None)
        .await
        .unwrap();
    store
        .remove_relationship(&p, &c.id, remove, None)
        .await
        .unwrap();
}

pub(crate) async fn qualifications_use_codes_atomically(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    store
        .put_validation_code(&p, code("gcc-1", 1))
        .await
        .unwrap();
    let a = create(&store, new_customer(&p, "qa.onmicrosoft.com", "A")).await;
    let b = create(&store, new_customer(&p, "qb.onmicrosoft.com", "B")).await;

    let gcc = qualification(Qualification::GovernmentCommunityCloud, Some("gcc-1"));
    store
        .add_qualification(&p, &a.id, gcc.clone(), None)
        .await
        .unwrap();
    let codes = store.validation_codes(&p).await.unwrap();
    assert_eq!(codes[0].remaining_creates, 0, "one create used");
    assert!(codes[0].changed_at > 1, "its ETag moved");
    let link = store
        .customer_records(&a.id, RecordKind::GccValidation)
        .await
        .unwrap();
    let link: GccValidationRecord = link[0].read().unwrap();
    assert_eq!(link.validation_id, "gcc-1");

    // Used up: refused, and nothing of the refused qualification is stored.
    assert_err!(
        store.add_qualification(&p, &b.id, gcc.clone(), None).await,
        StoreError::Qualification(QualificationRefusal::Code(_))
    );
    assert!(store
        .customer_records(&b.id, RecordKind::Qualification)
        .await
        .unwrap()
        .is_empty());
    let unknown = qualification(Qualification::GovernmentCommunityCloud, Some("nope"));
    assert_err!(
        store.add_qualification(&p, &b.id, unknown, None).await,
        StoreError::Qualification(QualificationRefusal::Code(_))
    );

    // Education excludes GCC; the same qualification twice is a conflict.
    assert_err!(
        store
            .add_qualification(
                &p,
                &a.id,
                qualification(Qualification::Education, None),
                None
            )
            .await,
        StoreError::Qualification(QualificationRefusal::Conflict(_))
    );
    store
        .add_qualification(
            &p,
            &b.id,
            qualification(Qualification::Education, None),
            None,
        )
        .await
        .unwrap();
    assert_err!(
        store
            .add_qualification(
                &p,
                &b.id,
                qualification(Qualification::Education, None),
                None
            )
            .await,
        StoreError::Qualification(QualificationRefusal::Conflict(_))
    );
    store
        .add_qualification(
            &p,
            &b.id,
            qualification(Qualification::StateOwnedEntity, None),
            None,
        )
        .await
        .unwrap();
    let held = store
        .customer_records(&b.id, RecordKind::Qualification)
        .await
        .unwrap();
    assert_eq!(held.len(), 2);

    // Deleting the customer takes its qualifications and link; a reset refills the codes.
    assert!(store.delete_customer(&a.id, None).await.unwrap());
    assert_eq!(store.reset_partner(&p).await.unwrap(), 1);
    assert_eq!(
        store.validation_codes(&p).await.unwrap()[0].remaining_creates,
        3,
        "refilled to its maxCreates"
    );
    let again = create(&store, new_customer(&p, "qa.onmicrosoft.com", "A again")).await;
    assert!(store
        .customer_records(&again.id, RecordKind::Qualification)
        .await
        .unwrap()
        .is_empty());
}

pub(crate) async fn concurrent_qualifications_use_a_code_once(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    store
        .put_validation_code(&p, code("gcc-1", 1))
        .await
        .unwrap();
    let mut customers = Vec::new();
    for i in 0..6 {
        let c = create(
            &store,
            new_customer(&p, &format!("cq{i}.onmicrosoft.com"), "C"),
        )
        .await;
        customers.push(c.id);
    }
    let mut tasks = Vec::new();
    for id in customers {
        let store = store.clone();
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let gcc = qualification(Qualification::GovernmentCommunityCloud, Some("gcc-1"));
            store.add_qualification(&p, &id, gcc, None).await.is_ok()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "a code with one create left qualifies one customer");
    assert_eq!(
        store.validation_codes(&p).await.unwrap()[0].remaining_creates,
        0
    );
}

pub(crate) async fn validation_codes_are_per_partner(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    store.put_validation_code(&p, code("b", 3)).await.unwrap();
    store.put_validation_code(&p, code("a", 3)).await.unwrap();
    store.put_validation_code(&q, code("a", 2)).await.unwrap();
    let ids = |codes: Vec<ValidationCodeRecord>| {
        codes
            .into_iter()
            .map(|c| (c.validation_id, c.remaining_creates))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.validation_codes(&p).await.unwrap()),
        [("a".to_owned(), 3), ("b".to_owned(), 3)]
    );
    store.put_validation_code(&p, code("a", 1)).await.unwrap();
    assert_eq!(
        store.validation_codes(&p).await.unwrap()[0].remaining_creates,
        1
    );
    assert!(store.delete_validation_code(&p, "a").await.unwrap());
    assert!(!store.delete_validation_code(&p, "a").await.unwrap());
    assert_eq!(
        ids(store.validation_codes(&q).await.unwrap()),
        [("a".to_owned(), 2)]
    );
    assert_err!(
        store
            .put_validation_code(&TenantId::random(), code("x", 1))
            .await,
        StoreError::UnknownPartner(_)
    );
}

pub(crate) async fn added_domains_are_unique_across_tenants(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let a = create(&store, new_customer(&p, "da.onmicrosoft.com", "A")).await;
    let b = create(&store, new_customer(&p, "db.onmicrosoft.com", "B")).await;
    store
        .add_domain(&a.id, domain("Contoso.Example"), None)
        .await
        .unwrap();
    assert!(store.domain_taken("contoso.example").await.unwrap());
    let view = related(&store, &p, &a.id).await;
    assert_eq!(
        view.custom_domains,
        ["da.onmicrosoft.com", "Contoso.Example"]
    );
    assert_eq!(
        store.customer_domains(&a.id).await.unwrap(),
        [domain("Contoso.Example")]
    );
    assert_err!(
        store
            .add_domain(&b.id, domain("CONTOSO.example"), None)
            .await,
        StoreError::DomainTaken
    );
    // A customer's first domain and an added one share one namespace, both ways.
    assert_err!(
        store
            .add_domain(&b.id, domain("da.onmicrosoft.com"), None)
            .await,
        StoreError::DomainTaken
    );
    assert_err!(
        store
            .create_customer(new_customer(&p, "contoso.example", "Clash"), None, None)
            .await,
        StoreError::DomainTaken
    );
    assert_err!(
        store
            .add_domain(&CustomerId::random(), domain("free.example"), None)
            .await,
        StoreError::CustomerNotFound
    );
    // The name is free again once its customer is gone.
    assert!(store.delete_customer(&a.id, None).await.unwrap());
    assert!(!store.domain_taken("contoso.example").await.unwrap());
    store
        .add_domain(&b.id, domain("contoso.example"), None)
        .await
        .unwrap();
}

pub(crate) async fn concurrent_claims_of_one_domain_have_one_winner(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let mut customers = Vec::new();
    for i in 0..4 {
        let c = create(
            &store,
            new_customer(&p, &format!("dc{i}.onmicrosoft.com"), "C"),
        )
        .await;
        customers.push(c.id);
    }
    let mut tasks = Vec::new();
    for (i, id) in customers.into_iter().enumerate() {
        let store = store.clone();
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            // Half claim it as an added domain, half as a new customer's first domain.
            if i % 2 == 0 {
                store
                    .add_domain(&id, domain("race.example"), None)
                    .await
                    .is_ok()
            } else {
                store
                    .create_customer(new_customer(&p, "race.example", "Race"), None, None)
                    .await
                    .is_ok()
            }
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}
