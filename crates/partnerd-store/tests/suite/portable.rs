//! [`PortableStore`]: what `partnerd export` reads out of a store and `partnerd import` loads
//! into an empty one. Moving between backends is tested end to end by the CLI's tests; here
//! each backend must give back, after an export and an import into a fresh store of its own
//! kind, exactly the records it exported, and answer for them as the original did.

use partnerd_store::portable::{export, import, import_stream};
use partnerd_store::*;

use crate::{add_partner, create, new_customer, related};

pub(crate) async fn export_and_import_give_back_everything(store: DynStore, empty: DynStore) {
    // Something of every exported kind: partners with apps and users, a link, two keys, a
    // secret, and customers direct and indirect, one with its delegated access removed.
    let provider = add_partner(&store, "provider").await;
    let reseller = add_partner(&store, "reseller").await;
    store.link_partners(&provider, &reseller).await.unwrap();
    for (kid, created_at) in [("older", 10), ("newer", 20)] {
        store
            .add_signing_key(SigningKeyRecord {
                kid: kid.to_owned(),
                private_pem: format!("pem-{kid}"),
                created_at,
            })
            .await
            .unwrap();
    }
    let secret = store.secret("paging", b"exported secret").await.unwrap();
    let mut via = new_customer(&provider, "via.onmicrosoft.com", "Via");
    via.associated_partner_id = Some(reseller.clone());
    let via = create(&store, via).await;
    let direct = create(
        &store,
        new_customer(&provider, "direct.onmicrosoft.com", "Direct"),
    )
    .await;
    store
        .remove_relationship(
            &provider,
            &direct.id,
            RelationshipRemoval {
                reseller: false,
                delegated_access: true,
            },
            None,
        )
        .await
        .unwrap();

    // What a customer gathered, and a partner's validation code.
    store
        .put_validation_code(
            &provider,
            ValidationCodeRecord {
                validation_id: "gcc".to_owned(),
                organization_name: "Provider".to_owned(),
                max_creates: 2,
                remaining_creates: 2,
                changed_at: 5,
            },
        )
        .await
        .unwrap();
    store
        .add_qualification(
            &provider,
            &direct.id,
            QualificationRecord {
                qualification: partnerd_wire::Qualification::GovernmentCommunityCloud,
                vetting_status: Some(partnerd_wire::VettingStatus::Approved),
                vetting_reason: None,
                created_at: 7,
                dated: true,
                education_segment: None,
                website: None,
                validation_id: Some("gcc".to_owned()),
                decided: false,
            },
            None,
        )
        .await
        .unwrap();
    store
        .add_domain(&via.id, crate::lifecycle::domain("via.example"), None)
        .await
        .unwrap();

    store
        .put_document("service_incident", "EX1", serde_json::json!({"id": "EX1"}))
        .await
        .unwrap();
    // Enough customers that the import loads them in several batches (of 100 here), in order.
    for n in 0..1_001 {
        create(
            &store,
            new_customer(&provider, &format!("bulk{n}.onmicrosoft.com"), "Bulk"),
        )
        .await;
    }

    let records = export(store.as_ref()).await.unwrap();
    let (sender, receiver) = tokio::sync::mpsc::channel(records.len());
    for record in records.clone() {
        sender.try_send(Ok::<_, StoreError>(record)).unwrap();
    }
    drop(sender);
    assert_eq!(
        import_stream(empty.as_ref(), receiver, 100).await.unwrap(),
        records.len()
    );
    assert_eq!(
        export(empty.as_ref()).await.unwrap(),
        records,
        "the imported store exports what was imported"
    );

    // And it answers as the original did. (Keyset positions are the new store's own, so
    // customers are compared field by field rather than whole.)
    assert_eq!(
        empty.all_partners().await.unwrap(),
        store.all_partners().await.unwrap()
    );
    assert_eq!(
        empty.signing_keys().await.unwrap(),
        store.signing_keys().await.unwrap()
    );
    assert_eq!(
        empty.secret("paging", b"another candidate").await.unwrap(),
        secret
    );
    let via_there = related(&empty, &reseller, &via.id).await;
    assert_eq!(via_there.role, CustomerRole::IndirectReseller);
    assert_eq!(
        via_there.associated_partner_id.as_deref(),
        Some(reseller.as_str())
    );
    let direct_there = related(&empty, &provider, &direct.id).await;
    assert!(
        !direct_there.delegated_access,
        "a removed delegated access stays removed"
    );
    assert_eq!(
        (
            direct_there.company,
            direct_there.billing,
            direct_there.etag
        ),
        (direct.company.clone(), direct.billing.clone(), direct.etag)
    );
    assert!(empty.domain_taken("via.onmicrosoft.com").await.unwrap());
    assert!(empty.domain_taken("via.example").await.unwrap());
    assert_eq!(
        related(&empty, &provider, &via.id).await.custom_domains,
        ["via.onmicrosoft.com", "via.example"],
        "an added domain is listed once"
    );
    assert_eq!(
        empty.validation_codes(&provider).await.unwrap(),
        store.validation_codes(&provider).await.unwrap(),
        "the code keeps its used create"
    );
    assert_eq!(
        empty
            .customer_records(&direct.id, RecordKind::Qualification)
            .await
            .unwrap(),
        store
            .customer_records(&direct.id, RecordKind::Qualification)
            .await
            .unwrap()
    );

    assert_eq!(
        empty.documents("service_incident").await.unwrap(),
        store.documents("service_incident").await.unwrap()
    );

    // An import needs an empty store: a second one is refused whole.
    assert_err!(import(empty.as_ref(), records).await, StoreError::Config(_));
    assert_eq!(empty.partner_count().await.unwrap(), 2);
}
