//! Customer lists: oldest first, by keyset position; filters by company-name and domain
//! prefix (with no wildcards); and a scan that neither repeats nor skips while customers come
//! and go between its pages.

use partnerd_store::*;

use super::{all, ids, page, query};
use crate::{add_partner, create, new_customer};

pub(crate) async fn list_customers_pages_oldest_first(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let mut created = Vec::new();
    for i in 0..5 {
        let domain = format!("c{i}.onmicrosoft.com");
        created.push(create(&store, new_customer(&p, &domain, &format!("Customer {i}"))).await);
        create(
            &store,
            new_customer(&q, &format!("q{i}.onmicrosoft.com"), "Not yours"),
        )
        .await;
    }
    assert!(created.windows(2).all(|w| w[0].seq < w[1].seq));

    let everything = store
        .list_customers(&p, &query(None, None, 100))
        .await
        .unwrap();
    assert_eq!(
        everything, created,
        "a list shows what create returned, oldest first"
    );

    let mut pages = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let views = store
            .list_customers(&p, &query(None, after, 2))
            .await
            .unwrap();
        if views.is_empty() {
            break;
        }
        after = Some(views.last().unwrap().seq);
        pages.push(views.into_iter().map(|v| v.id).collect::<Vec<_>>());
    }
    let c: Vec<CustomerId> = created.iter().map(|v| v.id.clone()).collect();
    assert_eq!(
        pages,
        vec![
            vec![c[0].clone(), c[1].clone()],
            vec![c[2].clone(), c[3].clone()],
            vec![c[4].clone()],
        ]
    );
    assert_eq!(
        page(&store, &p, &query(None, Some(created[1].seq), 100)).await,
        c[2..].to_vec()
    );
    assert_eq!(
        page(&store, &p, &query(None, None, 1)).await,
        c[..1].to_vec()
    );
}

pub(crate) async fn list_customers_filters_by_prefix(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let mut made = Vec::new();
    for (domain, name) in [
        ("contoso-bikes.onmicrosoft.com", "Contoso Bikes"),
        ("fabrikam.onmicrosoft.com", "Fabrikam"),
        ("contoso.onmicrosoft.com", "contoso"),
        ("aerger.onmicrosoft.com", "Ärger GmbH"),
        ("five-thousand.onmicrosoft.com", "5000 Ltd"),
        ("aermel.onmicrosoft.com", "ärmel AG"),
        ("fifty-off.onmicrosoft.com", "50% Off Ltd"),
    ] {
        made.push(create(&store, new_customer(&p, domain, name)).await);
    }
    let [bikes, fabrikam, contoso, aerger, five_thousand, aermel, fifty] = &made[..] else {
        unreachable!()
    };
    // Another partner's matching customer never shows.
    create(
        &store,
        new_customer(&q, "contoso-other.onmicrosoft.com", "Contoso Other"),
    )
    .await;

    let name = |prefix: &str| Some(CustomerFilter::CompanyNamePrefix(fold(prefix)));
    let domain = |prefix: &str| Some(CustomerFilter::DomainPrefix(prefix.to_owned()));
    let none = Vec::<CustomerId>::new();

    assert_eq!(
        all(&store, &p, name("CONTOSO")).await,
        ids(&[bikes, contoso])
    );
    assert_eq!(all(&store, &p, name("Contoso B")).await, ids(&[bikes]));
    assert_eq!(all(&store, &p, name("ÄR")).await, ids(&[aerger, aermel]));
    assert_eq!(
        all(&store, &p, name("50%")).await,
        ids(&[fifty]),
        "% is no wildcard"
    );
    assert_eq!(
        all(&store, &p, name("5")).await,
        ids(&[five_thousand, fifty])
    );
    assert_eq!(
        all(&store, &p, name("Con_")).await,
        none,
        "_ is no wildcard"
    );
    assert_eq!(all(&store, &p, name("Contoso Bikes and more")).await, none);

    assert_eq!(
        all(&store, &p, domain("contoso")).await,
        ids(&[bikes, contoso])
    );
    assert_eq!(all(&store, &p, domain("contoso.")).await, ids(&[contoso]));
    assert_eq!(all(&store, &p, domain("ae")).await, ids(&[aerger, aermel]));
    assert_eq!(
        all(&store, &p, domain("f")).await,
        ids(&[fabrikam, five_thousand, fifty])
    );
    assert_eq!(all(&store, &p, domain("onmicrosoft")).await, none);
    assert_eq!(all(&store, &p, domain("contoso-other")).await, none);

    // Filters page with the same cursor, skipping non-matching customers in between.
    let filter = name("contoso");
    let first = store
        .list_customers(&p, &query(filter.clone(), None, 1))
        .await
        .unwrap();
    assert_eq!(ids(&first.iter().collect::<Vec<_>>()), ids(&[bikes]));
    let second = page(&store, &p, &query(filter.clone(), Some(first[0].seq), 1)).await;
    assert_eq!(second, ids(&[contoso]));
    assert_eq!(
        page(&store, &p, &query(filter, Some(contoso.seq), 1)).await,
        none
    );
}

pub(crate) async fn keyset_scan_survives_changes_between_pages(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let mut c = Vec::new();
    for i in 0..10 {
        c.push(
            create(
                &store,
                new_customer(&p, &format!("c{i}.onmicrosoft.com"), "Orig"),
            )
            .await,
        );
    }
    let new = |n: usize| new_customer(&p, &format!("n{n}.onmicrosoft.com"), "New");
    let mut n = Vec::new();

    let mut seen: Vec<CustomerView> = Vec::new();
    let mut after = None;
    for page_no in 0..20 {
        let views = store
            .list_customers(&p, &query(None, after, 3))
            .await
            .unwrap();
        if views.is_empty() {
            break;
        }
        for v in views {
            assert!(!seen.iter().any(|s| s.id == v.id), "{} repeated", v.id);
            seen.push(v);
        }
        after = Some(seen.last().unwrap().seq);
        match page_no {
            // Seen c0 c1 c2: delete a seen one and an unseen one, insert one.
            0 => {
                assert!(store.delete_customer(&c[1].id, None).await.unwrap());
                assert!(store.delete_customer(&c[4].id, None).await.unwrap());
                n.push(create(&store, new(0)).await);
            }
            // Seen c3 c5 c6: delete again, insert one and delete an unseen insert.
            1 => {
                assert!(store.delete_customer(&c[3].id, None).await.unwrap());
                assert!(store.delete_customer(&c[8].id, None).await.unwrap());
                n.push(create(&store, new(1)).await);
                assert!(store.delete_customer(&n[0].id, None).await.unwrap());
            }
            // Seen c7 c9 n1: insert behind the cursor's end.
            2 => n.push(create(&store, new(2)).await),
            _ => {}
        }
    }

    assert!(
        seen.windows(2).all(|w| w[0].seq < w[1].seq),
        "scan out of order"
    );
    let seen_ids: Vec<CustomerId> = seen.iter().map(|v| v.id.clone()).collect();
    for throughout in [&c[0], &c[2], &c[5], &c[6], &c[7], &c[9]] {
        assert!(
            seen_ids.contains(&throughout.id),
            "skipped {}",
            throughout.id
        );
    }
    for gone in [&c[4], &c[8], &n[0]] {
        assert!(
            !seen_ids.contains(&gone.id),
            "returned {} deleted before",
            gone.id
        );
    }
    assert_eq!(
        seen_ids,
        ids(&[&c[0], &c[1], &c[2], &c[3], &c[5], &c[6], &c[7], &c[9], &n[1], &n[2]])
    );
}
