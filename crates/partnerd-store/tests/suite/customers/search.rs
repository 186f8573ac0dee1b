//! Prefix searches at a size where a scan would show: whatever share of a partner's customers
//! a prefix matches, a page is read through an index (the key index when few match, creation
//! order when many do, see `partnerd_store::search`), the database's own plan says so, and
//! walking the pages gives exactly the matching customers, oldest first.

use partnerd_store::*;

use super::query;
use crate::{add_partner, new_customer};

/// How many customers the searching partner has: more than the probe's cap for pages of 10,
/// so that a common prefix must be walked in creation order.
const CUSTOMERS: usize = 4_000;

/// A customer as an import loads it, related to `partner` as its reseller.
fn exported(partner: &TenantId, domain: &str, name: &str) -> ExportCustomer {
    let new = new_customer(partner, domain, name);
    ExportCustomer {
        id: new.id,
        commerce_id: new.commerce_id,
        domain: new.domain.clone(),
        custom_domains: vec![new.domain],
        company: new.company,
        billing: new.billing,
        etag: new.etag,
        admin_password_hash: new.admin_password_hash,
        associated_partner_id: None,
        relations: vec![ExportRelation {
            partner_id: partner.clone(),
            role: CustomerRole::Reseller.as_str().to_owned(),
            delegated_access: true,
        }],
        records: Vec::new(),
        domains: Vec::new(),
    }
}

/// Every page of a search, walked by its keyset cursor.
async fn walk(
    store: &DynStore,
    partner: &TenantId,
    filter: &Option<CustomerFilter>,
    limit: u32,
) -> Vec<CustomerId> {
    let (mut found, mut after) = (Vec::new(), None);
    loop {
        let page = store
            .list_customers(partner, &query(filter.clone(), after, limit))
            .await
            .expect("list customers");
        let Some(last) = page.last() else {
            return found;
        };
        after = Some(last.seq);
        found.extend(page.into_iter().map(|v| v.id));
        assert!(found.len() <= CUSTOMERS, "the walk ends");
    }
}

/// The plan of a page, checked to read no table whole.
async fn plan(store: &DynStore, partner: &TenantId, filter: &Option<CustomerFilter>) -> QueryPlan {
    let plan = store
        .explain_customers(partner, &query(filter.clone(), None, 10))
        .await
        .expect("explain");
    let whole = |step: &String| step.contains("Seq Scan") || step.starts_with("SCAN ");
    assert!(
        !plan.probe.iter().chain(&plan.page).any(whole),
        "{filter:?} reads a whole table: {plan:#?}"
    );
    plan
}

fn uses(steps: &[String], index: &str) -> bool {
    steps.iter().any(|step| step.contains(index))
}

pub(crate) async fn prefix_searches_read_an_index_whatever_they_match(store: DynStore) {
    let p = add_partner(&store, "contoso").await;
    let q = add_partner(&store, "fabrikam").await;
    let mut made = Vec::new();
    for i in 0..CUSTOMERS {
        let (domain, name) = if i % 500 == 7 {
            (format!("nw{i}.example"), format!("Northwind {i}"))
        } else {
            (format!("c{i:04}.example"), format!("Contoso {i:04}"))
        };
        made.push(exported(&p, &domain, &name));
    }
    // Another partner's customers share the prefixes and never show.
    let theirs =
        (0..50).map(|i| exported(&q, &format!("nwq{i}.example"), &format!("Northwind Q{i}")));
    let mut batch = made.clone();
    batch.extend(theirs);
    for chunk in batch.chunks(1_000) {
        store
            .import_customers(chunk.to_vec())
            .await
            .expect("import");
    }

    let name = |prefix: &str| Some(CustomerFilter::CompanyNamePrefix(fold(prefix)));
    let domain = |prefix: &str| Some(CustomerFilter::DomainPrefix(prefix.to_owned()));
    let expected = |filter: &Option<CustomerFilter>| -> Vec<CustomerId> {
        made.iter()
            .filter(|c| match filter {
                Some(CustomerFilter::CompanyNamePrefix(v)) => {
                    fold(c.company.company_name.as_deref().unwrap_or_default()).starts_with(v)
                }
                Some(CustomerFilter::DomainPrefix(v)) => c.domain.starts_with(v.as_str()),
                _ => true,
            })
            .map(|c| c.id.clone())
            .collect()
    };

    // Few match: the key index answers, for names and domains alike.
    for (filter, index, matches) in [
        (name("NORTHWIND"), "customer_partners_by_name", 8),
        (name("Contoso 01"), "customer_partners_by_name", 100),
        (name("Zzz"), "customer_partners_by_name", 0),
        (domain("nw"), "customer_partners_by_domain", 8),
        (domain("nothing"), "customer_partners_by_domain", 0),
    ] {
        let plan = plan(&store, &p, &filter).await;
        assert_eq!(plan.path, SearchPath::KeyIndex, "{filter:?}: {plan:#?}");
        assert!(
            uses(&plan.probe, index),
            "{filter:?} uses {index}: {plan:#?}"
        );
        assert!(
            !uses(&plan.page, "by_name") && !uses(&plan.page, "by_domain"),
            "{filter:?} reads its page by primary key: {plan:#?}"
        );
        let want = expected(&filter);
        assert_eq!(want.len(), matches);
        assert_eq!(walk(&store, &p, &filter, 3).await, want, "{filter:?}");
    }

    // Many match: creation order answers, through the relationship's own ordering.
    for filter in [name("contoso"), domain("c"), name(""), None] {
        let plan = plan(&store, &p, &filter).await;
        assert_eq!(
            plan.path,
            SearchPath::CreationOrder,
            "{filter:?}: {plan:#?}"
        );
        assert!(
            !uses(&plan.page, "by_name") && !uses(&plan.page, "by_domain"),
            "{filter:?} walks creation order: {plan:#?}"
        );
    }

    // Walking a common prefix switches ways once the matches left fall under the cap, and
    // the pages still hold every match once, oldest first.
    let common = name("contoso");
    assert_eq!(walk(&store, &p, &common, 10).await, expected(&common));
    assert_eq!(walk(&store, &p, &common, 1_000).await, expected(&common));
    assert_eq!(walk(&store, &p, &None, 700).await, expected(&None));
}
