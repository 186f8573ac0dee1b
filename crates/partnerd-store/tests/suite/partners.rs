//! [`PartnerStore`]: partners with their apps and users, created whole or not at all; the
//! principal a token's subject resolves to; links between partners; deleting apps and users.

use partnerd_store::*;

use crate::{add_partner, app, new_partner, oid, tid};

pub(crate) async fn partners_round_trip(store: DynStore) {
    assert_eq!(store.partner_count().await.unwrap(), 0);
    assert_eq!(store.first_partner().await.unwrap(), None);

    // Created first but sorting last by every column, so "oldest" cannot pass as "smallest".
    let zeta = new_partner("zeta");
    let alpha = new_partner("alpha");
    store.create_partner(zeta.clone()).await.unwrap();
    store.create_partner(alpha.clone()).await.unwrap();

    assert_eq!(
        store.partner(&tid("zeta")).await.unwrap(),
        Some(zeta.partner.clone())
    );
    assert_eq!(
        store.partner(&tid("alpha")).await.unwrap(),
        Some(alpha.partner.clone())
    );
    assert_eq!(store.partner(&tid("nobody")).await.unwrap(), None);

    assert_eq!(
        store
            .partner_by_domain("ZETA.OnMicrosoft.com")
            .await
            .unwrap(),
        Some(zeta.partner.clone())
    );
    assert_eq!(
        store
            .partner_by_domain("alpha.onmicrosoft.com")
            .await
            .unwrap(),
        Some(alpha.partner.clone())
    );
    assert_eq!(
        store
            .partner_by_domain("nobody.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        store.app(&app("zeta")).await.unwrap(),
        Some(zeta.apps[0].clone())
    );
    assert_eq!(store.app(&app("nobody")).await.unwrap(), None);
    assert_eq!(store.apps_of(&tid("zeta")).await.unwrap(), zeta.apps);
    assert_eq!(store.apps_of(&tid("alpha")).await.unwrap(), alpha.apps);
    assert_eq!(store.apps_of(&tid("nobody")).await.unwrap(), vec![]);

    // Stored as "Admin@zeta.onmicrosoft.com"; found in any casing, returned as stored.
    assert_eq!(
        store
            .user_by_upn("admin@ZETA.onmicrosoft.COM")
            .await
            .unwrap(),
        Some(zeta.users[0].clone())
    );
    assert_eq!(
        store
            .user_by_upn("admin@nobody.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.users_of(&tid("zeta")).await.unwrap(), zeta.users);
    assert_eq!(store.users_of(&tid("alpha")).await.unwrap(), alpha.users);
    assert_eq!(store.users_of(&tid("nobody")).await.unwrap(), vec![]);

    assert_eq!(store.partner_count().await.unwrap(), 2);
    assert_eq!(store.first_partner().await.unwrap(), Some(zeta.partner));
}

pub(crate) async fn duplicate_partner_is_rejected_whole(store: DynStore) {
    let original = new_partner("contoso");
    store.create_partner(original.clone()).await.unwrap();

    // Same tenant id, everything else new.
    let mut same_tenant = new_partner("fabrikam");
    same_tenant.partner.tenant_id = original.partner.tenant_id.clone();
    same_tenant.apps[0].tenant_id = original.partner.tenant_id.clone();
    same_tenant.users[0].tenant_id = original.partner.tenant_id.clone();
    assert_err!(
        store.create_partner(same_tenant).await,
        StoreError::Duplicate(_)
    );
    assert_eq!(
        store.partner(&tid("contoso")).await.unwrap(),
        Some(original.partner.clone())
    );
    assert_eq!(
        store
            .partner_by_domain("fabrikam.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.app(&app("fabrikam")).await.unwrap(), None);
    assert_eq!(
        store
            .user_by_upn("admin@fabrikam.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );

    // A second app reuses a client id: the partner row and first app precede the clash.
    let mut same_client = new_partner("northwind");
    let mut clash = same_client.apps[0].clone();
    clash.client_id = app("contoso");
    same_client.apps.push(clash);
    assert_err!(
        store.create_partner(same_client).await,
        StoreError::Duplicate(_)
    );
    assert_eq!(store.partner(&tid("northwind")).await.unwrap(), None);
    assert_eq!(
        store
            .partner_by_domain("northwind.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.app(&app("northwind")).await.unwrap(), None);
    assert_eq!(store.apps_of(&tid("northwind")).await.unwrap(), vec![]);
    assert_eq!(
        store
            .user_by_upn("admin@northwind.onmicrosoft.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.app(&app("contoso")).await.unwrap(),
        Some(original.apps[0].clone())
    );

    // A user name taken in another casing: partner and app precede the clash.
    let mut same_upn = new_partner("tailspin");
    same_upn.users[0].upn = "ADMIN@contoso.onmicrosoft.com".to_owned();
    assert_err!(
        store.create_partner(same_upn).await,
        StoreError::Duplicate(_)
    );
    assert_eq!(store.partner(&tid("tailspin")).await.unwrap(), None);
    assert_eq!(store.app(&app("tailspin")).await.unwrap(), None);
    assert_eq!(store.users_of(&tid("tailspin")).await.unwrap(), vec![]);

    assert_eq!(store.partner_count().await.unwrap(), 1);
    assert_eq!(store.apps_of(&tid("contoso")).await.unwrap(), original.apps);
    assert_eq!(
        store.users_of(&tid("contoso")).await.unwrap(),
        original.users
    );
}

pub(crate) async fn principal_resolves_token_subjects(store: DynStore) {
    let contoso = new_partner("contoso");
    let fabrikam = new_partner("fabrikam");
    store.create_partner(contoso.clone()).await.unwrap();
    store.create_partner(fabrikam.clone()).await.unwrap();

    let unknown = store
        .principal(&tid("nobody"), &app("contoso"), Some(&oid("contoso")))
        .await;
    assert!(unknown.unwrap().is_none());

    let p = store
        .principal(&tid("contoso"), &app("contoso"), Some(&oid("contoso")))
        .await
        .unwrap()
        .expect("known tenant");
    assert_eq!(p.partner, contoso.partner);
    assert!(p.app_known);
    assert_eq!(p.user, Some(contoso.users[0].clone()));

    let app_only = store
        .principal(&tid("contoso"), &app("contoso"), None)
        .await
        .unwrap()
        .unwrap();
    assert!(app_only.app_known);
    assert_eq!(app_only.user, None);

    let foreign_app = store
        .principal(&tid("contoso"), &app("fabrikam"), Some(&oid("contoso")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(foreign_app.partner, contoso.partner);
    assert!(
        !foreign_app.app_known,
        "another tenant's app must not be known"
    );
    assert_eq!(foreign_app.user, Some(contoso.users[0].clone()));

    let unknown_app = store
        .principal(&tid("contoso"), &app("nobody"), None)
        .await
        .unwrap()
        .unwrap();
    assert!(!unknown_app.app_known);

    let foreign_user = store
        .principal(&tid("contoso"), &app("contoso"), Some(&oid("fabrikam")))
        .await
        .unwrap()
        .unwrap();
    assert!(foreign_user.app_known);
    assert_eq!(
        foreign_user.user, None,
        "another tenant's user must not be returned"
    );
}

pub(crate) async fn partner_links_are_idempotent_and_directed(store: DynStore) {
    let provider = add_partner(&store, "provider").await;
    let reseller = add_partner(&store, "reseller").await;
    let reseller2 = add_partner(&store, "reseller2").await;
    let loner = add_partner(&store, "loner").await;

    store.link_partners(&provider, &reseller).await.unwrap();
    store.link_partners(&provider, &reseller).await.unwrap();
    store.link_partners(&provider, &reseller2).await.unwrap();

    match store.link_partners(&provider, &tid("nobody")).await {
        Err(StoreError::UnknownPartner(id)) => assert_eq!(id, tid("nobody").as_str()),
        other => panic!("expected UnknownPartner, got {other:?}"),
    }
    match store.link_partners(&tid("nobody"), &reseller).await {
        Err(StoreError::UnknownPartner(id)) => assert_eq!(id, tid("nobody").as_str()),
        other => panic!("expected UnknownPartner, got {other:?}"),
    }

    let links = |tenant: TenantId| {
        let store = store.clone();
        async move {
            let mut links: Vec<(TenantId, LinkDirection)> = store
                .partner_links(&tenant)
                .await
                .unwrap()
                .into_iter()
                .map(|l| (l.other.tenant_id, l.direction))
                .collect();
            links.sort_by(|a, b| a.0.cmp(&b.0));
            links
        }
    };
    // Links come back in no particular order: compare both sides sorted by tenant id.
    let sorted = |mut v: Vec<(TenantId, LinkDirection)>| {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };

    assert_eq!(
        links(provider.clone()).await,
        sorted(vec![
            (reseller.clone(), LinkDirection::OtherIsReseller),
            (reseller2.clone(), LinkDirection::OtherIsReseller),
        ]),
        "linking twice must not duplicate; failed links must not be stored"
    );
    assert_eq!(
        links(reseller.clone()).await,
        vec![(provider.clone(), LinkDirection::OtherIsProvider)]
    );
    assert_eq!(links(loner.clone()).await, vec![]);

    // A partner that is a reseller of one and a provider of another sees both directions.
    store.link_partners(&reseller, &loner).await.unwrap();
    assert_eq!(
        links(reseller.clone()).await,
        sorted(vec![
            (loner.clone(), LinkDirection::OtherIsReseller),
            (provider.clone(), LinkDirection::OtherIsProvider),
        ])
    );
    assert_eq!(
        links(loner).await,
        vec![(reseller, LinkDirection::OtherIsProvider)]
    );

    // The other side is the full partner record.
    let from_reseller2 = store.partner_links(&reseller2).await.unwrap();
    assert_eq!(from_reseller2.len(), 1);
    assert_eq!(from_reseller2[0].other, new_partner("provider").partner);
}

pub(crate) async fn apps_and_users_can_be_deleted(store: DynStore) {
    let new = new_partner("contoso");
    let (tenant, app, user) = (
        new.partner.tenant_id.clone(),
        new.apps[0].client_id.clone(),
        new.users[0].object_id.clone(),
    );
    store.create_partner(new).await.unwrap();
    assert!(store.delete_app(&app).await.unwrap());
    assert!(!store.delete_app(&app).await.unwrap());
    assert!(store.delete_user(&user).await.unwrap());
    assert!(!store.delete_user(&user).await.unwrap());
    let p = store
        .principal(&tenant, &app, Some(&user))
        .await
        .unwrap()
        .unwrap();
    assert!(!p.app_known);
    assert!(p.user.is_none());
}

pub(crate) async fn secrets_and_passwords_can_be_replaced(store: DynStore) {
    let new = new_partner("contoso");
    store.create_partner(new.clone()).await.unwrap();

    assert!(store
        .set_app_secret(&app("contoso"), "$argon2id$new-secret")
        .await
        .unwrap());
    let stored = store.app(&app("contoso")).await.unwrap().expect("app");
    assert_eq!(stored.secret_hash, "$argon2id$new-secret");
    assert_eq!(
        stored.client_id, new.apps[0].client_id,
        "only the hash changes"
    );

    assert!(store
        .set_user_password(&oid("contoso"), "$argon2id$new-password")
        .await
        .unwrap());
    let user = store
        .user_by_upn("admin@contoso.onmicrosoft.com")
        .await
        .unwrap()
        .expect("user");
    assert_eq!(user.password_hash, "$argon2id$new-password");
    assert!(user.mfa, "only the hash changes");

    assert!(!store
        .set_app_secret(&app("nobody"), "$argon2id$x")
        .await
        .unwrap());
    assert!(!store
        .set_user_password(&oid("nobody"), "$argon2id$x")
        .await
        .unwrap());
}
