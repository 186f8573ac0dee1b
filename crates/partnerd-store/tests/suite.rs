//! The behavioural test suite of the storage traits, run against every backend.
//!
//! Each case in `cases` is an `async fn` that gets a fresh, empty [`DynStore`] and talks to it
//! only through the [`partnerd_store::Store`] traits, so it knows nothing about the backend.
//! `backend_suite!(name, constructor)` expands to one `#[tokio::test]` per case for a backend.
//! The constructor returns the store and a guard that keeps its database alive until the test
//! ends (for SQLite, the temporary directory; for PostgreSQL, a schema of its own), or `None`
//! when the backend's server cannot be reached, after saying so loudly on stderr: the test
//! then returns without running its case. A new backend gets the whole suite by adding a
//! constructor and one `backend_suite!` line at the bottom of this file.
//!
//! PostgreSQL: the server named by `PARTNERD_TEST_POSTGRES` (default
//! `postgres://partnerd:partnerd@127.0.0.1:5432/partnerd`, which `.ci/postgres.sh` sets up);
//! each test gets a fresh schema there, dropped when the test ends.

use partnerd_store::DynStore;
use tempfile::TempDir;

/// Asserts that a store call failed with the given error pattern.
macro_rules! assert_err {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err($pattern) => {}
            other => panic!("expected Err({}), got {:?}", stringify!($pattern), other),
        }
    };
}

/// One `#[tokio::test]` per case for the backend that `$fresh().await` opens.
macro_rules! backend_suite {
    ($backend:ident, $fresh:path) => {
        backend_suite!(@tests $backend, $fresh, [
            partners_round_trip,
            duplicate_partner_is_rejected_whole,
            principal_resolves_token_subjects,
            partner_links_are_idempotent_and_directed,
            signing_keys_and_secrets,
            customer_create_and_lookup,
            customer_domains_are_unique,
            customer_cap_is_enforced_atomically,
            associated_partner_is_indirect_reseller,
            list_customers_pages_oldest_first,
            list_customers_filters_by_prefix,
            keyset_scan_survives_changes_between_pages,
            remove_relationship,
            delete_customer,
            update_billing_profile_compare_and_swap,
            concurrent_billing_updates_have_one_winner,
            ping,
            grants_are_redeemed_once,
            retired_keys_neither_sign_nor_validate,
            billing_reads_follow_every_write,
            apps_and_users_can_be_deleted,
            idempotency_reserve_complete_replay,
            idempotency_completion_commits_with_the_write,
            reset_empties_one_partner,
            concurrent_capped_creates_stop_at_the_cap,
            concurrent_creates_of_one_domain_have_one_winner,
            concurrent_reservations_have_one_holder,
            lost_lease_undoes_every_write,
        ]);
    };
    (@tests $backend:ident, $fresh:path, [$($case:ident),* $(,)?]) => {
        mod $backend {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some((store, guard)) = $fresh().await else {
                        return;
                    };
                    cases::$case(store).await;
                    drop(guard);
                }
            )*
        }
    };
}

/// A fresh SQLite store in its own temporary directory, deleted when the guard drops.
async fn fresh_sqlite_store() -> Option<(DynStore, TempDir)> {
    let dir = tempfile::tempdir().expect("create temporary directory");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let store = partnerd_store::open(&url).await.expect("open SQLite store");
    Some((store, dir))
}

/// A schema of its own on the test PostgreSQL server; dropped with everything in it when the
/// guard drops.
#[cfg(feature = "postgres")]
struct PostgresSchema {
    url: String,
}

#[cfg(feature = "postgres")]
impl Drop for PostgresSchema {
    fn drop(&mut self) {
        // The test's runtime may be unwinding or shutting down: drop on a runtime of our own.
        let url = self.url.clone();
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build a runtime")
                .block_on(partnerd_store::postgres::drop_schema(&url))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop the test schema of {}: {e}", self.url);
        }
    }
}

/// A fresh PostgreSQL store in a new schema on the server `PARTNERD_TEST_POSTGRES` names, or
/// `None` (after a loud message) when no PostgreSQL answers there.
#[cfg(feature = "postgres")]
async fn fresh_postgres_store() -> Option<(DynStore, PostgresSchema)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);

    let server = std::env::var("PARTNERD_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://partnerd:partnerd@127.0.0.1:5432/partnerd".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let schema = format!(
        "partnerd_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{separator}schema={schema}&pool_max_size=8");
    match partnerd_store::open(&url).await {
        Ok(store) => Some((store, PostgresSchema { url })),
        Err(
            e
            @ (partnerd_store::StoreError::Unavailable(_) | partnerd_store::StoreError::Config(_)),
        ) => {
            // Straight to stderr, past the test harness's capture of `eprintln!`.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** PostgreSQL not reachable at {server} ({e}): skipping this PostgreSQL test; \
                 run .ci/postgres.sh as root or set PARTNERD_TEST_POSTGRES ***\n"
            );
            None
        }
        Err(e) => panic!("PostgreSQL at {server} answered but the store failed to open: {e}"),
    }
}

mod cases {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use partnerd_store::*;

    // ---- builders and small helpers ----

    /// A partner named `name` with one app and one user, every id derived from the name.
    fn new_partner(name: &str) -> NewPartner {
        let tenant_id = format!("tid-{name}");
        let domain = format!("{name}.onmicrosoft.com");
        NewPartner {
            partner: PartnerRecord {
                tenant_id: tenant_id.clone(),
                name: format!("{name} Ltd"),
                mpn_id: format!("mpn-{name}"),
                kind: PartnerKind::Sandbox,
                customer_cap: 0,
                domain: domain.clone(),
            },
            apps: vec![AppRecord {
                client_id: format!("app-{name}"),
                tenant_id: tenant_id.clone(),
                name: format!("{name} app"),
                secret_hash: format!("$argon2id$secret-of-{name}"),
            }],
            users: vec![UserRecord {
                object_id: format!("oid-{name}"),
                tenant_id,
                upn: format!("Admin@{domain}"),
                password_hash: format!("$argon2id$password-of-{name}"),
                mfa: true,
            }],
        }
    }

    /// Stores `new_partner(name)` and returns its tenant id.
    async fn add_partner(store: &DynStore, name: &str) -> String {
        let new = new_partner(name);
        let tenant_id = new.partner.tenant_id.clone();
        store.create_partner(new).await.expect("create partner");
        tenant_id
    }

    /// A customer of `partner` with a fresh id; `domain` must be lower case.
    fn new_customer(partner: &str, domain: &str, name: &str) -> NewCustomer {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        NewCustomer {
            partner_id: partner.to_owned(),
            id: format!("00000000-0000-4000-8000-{n:012}"),
            commerce_id: format!("commerce-{n}"),
            domain: domain.to_owned(),
            company: CompanyProfile {
                domain: Some(domain.to_owned()),
                company_name: Some(name.to_owned()),
                email: Some(format!("info@{domain}")),
                ..Default::default()
            },
            billing: billing_profile(name),
            etag: 1,
            admin_password_hash: format!("$argon2id$admin-{n}"),
            associated_partner_id: None,
        }
    }

    fn billing_profile(first_name: &str) -> BillingProfile {
        BillingProfile {
            id: Some("billing-profile".to_owned()),
            first_name: Some(first_name.to_owned()),
            last_name: Some("Example".to_owned()),
            email: Some("billing@example.com".to_owned()),
            culture: Some("en-US".to_owned()),
            language: Some("en".to_owned()),
            company_name: Some(first_name.to_owned()),
            default_address: Some(StoredAddress {
                country: Some("US".to_owned()),
                city: Some("Redmond".to_owned()),
                state: Some("WA".to_owned()),
                address_line1: Some("1 Microsoft Way".to_owned()),
                postal_code: Some("98052".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    async fn create(store: &DynStore, new: NewCustomer) -> CustomerView {
        store
            .create_customer(new, None, None)
            .await
            .expect("create customer")
    }

    /// The customer as `partner` sees it; panics unless they are related.
    async fn related(store: &DynStore, partner: &str, customer: &str) -> CustomerView {
        match store
            .customer(partner, customer)
            .await
            .expect("customer lookup")
        {
            CustomerLookup::Related(view) => *view,
            other => panic!("expected {customer} related to {partner}, got {other:?}"),
        }
    }

    async fn assert_unrelated(store: &DynStore, partner: &str, customer: &str) {
        let lookup = store
            .customer(partner, customer)
            .await
            .expect("customer lookup");
        assert!(
            matches!(lookup, CustomerLookup::Unrelated),
            "expected {customer} unrelated to {partner}, got {lookup:?}"
        );
    }

    async fn assert_missing(store: &DynStore, partner: &str, customer: &str) {
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
    async fn page(store: &DynStore, partner: &str, query: &CustomerQuery) -> Vec<String> {
        let views = store
            .list_customers(partner, query)
            .await
            .expect("list customers");
        views.into_iter().map(|v| v.id).collect()
    }

    /// Ids of every customer of `partner` matching `filter`, in one big page.
    async fn all(store: &DynStore, partner: &str, filter: Option<CustomerFilter>) -> Vec<String> {
        page(store, partner, &query(filter, None, 1000)).await
    }

    fn ids(views: &[&CustomerView]) -> Vec<String> {
        views.iter().map(|v| v.id.clone()).collect()
    }

    // ---- partners ----

    pub(crate) async fn partners_round_trip(store: DynStore) {
        assert_eq!(store.partner_count().await.unwrap(), 0);
        assert_eq!(store.first_partner().await.unwrap(), None);

        // Created first but sorting last by every column, so "oldest" cannot pass as "smallest".
        let zeta = new_partner("zeta");
        let alpha = new_partner("alpha");
        store.create_partner(zeta.clone()).await.unwrap();
        store.create_partner(alpha.clone()).await.unwrap();

        assert_eq!(
            store.partner("tid-zeta").await.unwrap(),
            Some(zeta.partner.clone())
        );
        assert_eq!(
            store.partner("tid-alpha").await.unwrap(),
            Some(alpha.partner.clone())
        );
        assert_eq!(store.partner("tid-nobody").await.unwrap(), None);

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
            store.app("app-zeta").await.unwrap(),
            Some(zeta.apps[0].clone())
        );
        assert_eq!(store.app("app-nobody").await.unwrap(), None);
        assert_eq!(store.apps_of("tid-zeta").await.unwrap(), zeta.apps);
        assert_eq!(store.apps_of("tid-alpha").await.unwrap(), alpha.apps);
        assert_eq!(store.apps_of("tid-nobody").await.unwrap(), vec![]);

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
        assert_eq!(store.users_of("tid-zeta").await.unwrap(), zeta.users);
        assert_eq!(store.users_of("tid-alpha").await.unwrap(), alpha.users);
        assert_eq!(store.users_of("tid-nobody").await.unwrap(), vec![]);

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
            store.partner("tid-contoso").await.unwrap(),
            Some(original.partner.clone())
        );
        assert_eq!(
            store
                .partner_by_domain("fabrikam.onmicrosoft.com")
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.app("app-fabrikam").await.unwrap(), None);
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
        clash.client_id = "app-contoso".to_owned();
        same_client.apps.push(clash);
        assert_err!(
            store.create_partner(same_client).await,
            StoreError::Duplicate(_)
        );
        assert_eq!(store.partner("tid-northwind").await.unwrap(), None);
        assert_eq!(
            store
                .partner_by_domain("northwind.onmicrosoft.com")
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.app("app-northwind").await.unwrap(), None);
        assert_eq!(store.apps_of("tid-northwind").await.unwrap(), vec![]);
        assert_eq!(
            store
                .user_by_upn("admin@northwind.onmicrosoft.com")
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store.app("app-contoso").await.unwrap(),
            Some(original.apps[0].clone())
        );

        // A user name taken in another casing: partner and app precede the clash.
        let mut same_upn = new_partner("tailspin");
        same_upn.users[0].upn = "ADMIN@contoso.onmicrosoft.com".to_owned();
        assert_err!(
            store.create_partner(same_upn).await,
            StoreError::Duplicate(_)
        );
        assert_eq!(store.partner("tid-tailspin").await.unwrap(), None);
        assert_eq!(store.app("app-tailspin").await.unwrap(), None);
        assert_eq!(store.users_of("tid-tailspin").await.unwrap(), vec![]);

        assert_eq!(store.partner_count().await.unwrap(), 1);
        assert_eq!(store.apps_of("tid-contoso").await.unwrap(), original.apps);
        assert_eq!(store.users_of("tid-contoso").await.unwrap(), original.users);
    }

    pub(crate) async fn principal_resolves_token_subjects(store: DynStore) {
        let contoso = new_partner("contoso");
        let fabrikam = new_partner("fabrikam");
        store.create_partner(contoso.clone()).await.unwrap();
        store.create_partner(fabrikam.clone()).await.unwrap();

        let unknown = store
            .principal("tid-nobody", "app-contoso", Some("oid-contoso"))
            .await;
        assert!(unknown.unwrap().is_none());

        let p = store
            .principal("tid-contoso", "app-contoso", Some("oid-contoso"))
            .await
            .unwrap()
            .expect("known tenant");
        assert_eq!(p.partner, contoso.partner);
        assert!(p.app_known);
        assert_eq!(p.user, Some(contoso.users[0].clone()));

        let app_only = store
            .principal("tid-contoso", "app-contoso", None)
            .await
            .unwrap()
            .unwrap();
        assert!(app_only.app_known);
        assert_eq!(app_only.user, None);

        let foreign_app = store
            .principal("tid-contoso", "app-fabrikam", Some("oid-contoso"))
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
            .principal("tid-contoso", "app-nobody", None)
            .await
            .unwrap()
            .unwrap();
        assert!(!unknown_app.app_known);

        let foreign_user = store
            .principal("tid-contoso", "app-contoso", Some("oid-fabrikam"))
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

        match store.link_partners(&provider, "tid-nobody").await {
            Err(StoreError::UnknownPartner(id)) => assert_eq!(id, "tid-nobody"),
            other => panic!("expected UnknownPartner, got {other:?}"),
        }
        match store.link_partners("tid-nobody", &reseller).await {
            Err(StoreError::UnknownPartner(id)) => assert_eq!(id, "tid-nobody"),
            other => panic!("expected UnknownPartner, got {other:?}"),
        }

        let links = |tenant: String| {
            let store = store.clone();
            async move {
                let mut links: Vec<(String, LinkDirection)> = store
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

        assert_eq!(
            links(provider.clone()).await,
            vec![
                (reseller.clone(), LinkDirection::OtherIsReseller),
                (reseller2.clone(), LinkDirection::OtherIsReseller),
            ],
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
            vec![
                (loner.clone(), LinkDirection::OtherIsReseller),
                (provider.clone(), LinkDirection::OtherIsProvider),
            ]
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

    // ---- keys ----

    pub(crate) async fn signing_keys_and_secrets(store: DynStore) {
        assert_eq!(store.signing_keys().await.unwrap(), vec![]);
        let key = |kid: &str, created_at: i64| SigningKeyRecord {
            kid: kid.to_owned(),
            private_pem: format!("-----BEGIN PRIVATE KEY-----\n{kid}\n-----END PRIVATE KEY-----\n"),
            created_at,
        };
        // Added out of order, and in an order that sorts neither by kid nor by insertion.
        store.add_signing_key(key("b-oldest", 100)).await.unwrap();
        store.add_signing_key(key("a-newest", 300)).await.unwrap();
        store.add_signing_key(key("c-middle", 200)).await.unwrap();
        assert_eq!(
            store.signing_keys().await.unwrap(),
            vec![
                key("a-newest", 300),
                key("c-middle", 200),
                key("b-oldest", 100)
            ]
        );

        assert_eq!(
            store.secret("cookie", b"first").await.unwrap(),
            b"first".to_vec()
        );
        assert_eq!(
            store.secret("cookie", b"second").await.unwrap(),
            b"first".to_vec()
        );
        assert_eq!(
            store.secret("other", b"own").await.unwrap(),
            b"own".to_vec()
        );
        assert_eq!(
            store.secret("cookie", b"third").await.unwrap(),
            b"first".to_vec()
        );

        // Concurrent first callers with different candidates all end with one value.
        let handles: Vec<_> = (0..8u8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.secret("raced", &[i; 16]).await.unwrap() })
            })
            .collect();
        let mut values = HashSet::new();
        for h in handles {
            values.insert(h.await.unwrap());
        }
        assert_eq!(
            values.len(),
            1,
            "concurrent first callers saw different secrets"
        );
        let winner = values.into_iter().next().unwrap();
        assert_eq!(store.secret("raced", b"late").await.unwrap(), winner);
    }

    // ---- customers ----

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
        assert_missing(&store, &p, "00000000-0000-0000-0000-000000000000").await;
        assert_missing(&store, &q, "00000000-0000-0000-0000-000000000000").await;

        // The billing-only read agrees with the full one.
        let (billing, etag) = store.billing_profile(&p, &new.id).await.unwrap();
        assert_eq!((billing, etag), (created.billing.clone(), created.etag));
        assert_err!(
            store.billing_profile(&q, &new.id).await,
            StoreError::NoRelationship
        );
        assert_err!(
            store
                .billing_profile(&p, "00000000-0000-0000-0000-000000000000")
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
        assert_eq!(all(&store, &q, None).await, Vec::<String>::new());

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
        partner: &str,
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

        let indirect_reseller = |id: &str| Some(CustomerFilter::IndirectReseller(id.to_owned()));
        let indirect_provider = |id: &str| Some(CustomerFilter::IndirectProvider(id.to_owned()));
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
            Vec::<String>::new()
        );

        let listed = store
            .list_customers(&reseller, &query(indirect_provider(&provider), None, 10))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].role, CustomerRole::IndirectReseller);
    }

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
        let c: Vec<String> = created.iter().map(|v| v.id.clone()).collect();
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
        let none = Vec::<String>::new();

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
        let seen_ids: Vec<String> = seen.iter().map(|v| v.id.clone()).collect();
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
                    "00000000-0000-0000-0000-000000000000",
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
            .delete_customer("00000000-0000-0000-0000-000000000000", None)
            .await
            .unwrap());

        assert_missing(&store, &p, &gone.id).await;
        assert_missing(&store, &r, &gone.id).await;
        assert_eq!(all(&store, &p, None).await, ids(&[&kept]));
        assert_eq!(all(&store, &r, None).await, Vec::<String>::new());
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
                    "00000000-0000-0000-0000-000000000000",
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
                let (store, barrier, p, id) =
                    (store.clone(), barrier.clone(), p.clone(), c.id.clone());
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

    pub(crate) async fn ping(store: DynStore) {
        store.ping().await.expect("ping");
        // And the store still answers real queries afterwards.
        assert_eq!(store.partner_count().await.unwrap(), 0);
    }

    // ---- grants and key retirement ----

    pub(crate) async fn grants_are_redeemed_once(store: DynStore) {
        let grant = GrantRecord {
            kind: "code".into(),
            key: "hash-1".into(),
            payload: r#"{"state":"issued"}"#.into(),
            expires_at: i64::MAX,
        };
        store.put_grant(grant.clone()).await.unwrap();
        assert_eq!(
            store.grant("code", "hash-1").await.unwrap(),
            Some(grant.clone())
        );
        assert_eq!(store.grant("refresh", "hash-1").await.unwrap(), None);
        assert_err!(
            store.put_grant(grant.clone()).await,
            StoreError::Duplicate(_)
        );
        // Of many concurrent redemptions exactly one wins.
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .swap_grant(
                        "code",
                        "hash-1",
                        r#"{"state":"issued"}"#,
                        &format!(r#"{{"state":"redeemed","by":{i}}}"#),
                    )
                    .await
                    .unwrap()
            }));
        }
        let mut wins = 0;
        for t in tasks {
            wins += usize::from(t.await.unwrap());
        }
        assert_eq!(wins, 1);
        let now = store.grant("code", "hash-1").await.unwrap().unwrap();
        assert!(now.payload.contains("redeemed"));
        // Grants long expired are forgotten when new ones are stored.
        store
            .put_grant(GrantRecord {
                kind: "code".into(),
                key: "old".into(),
                payload: "{}".into(),
                expires_at: 1,
            })
            .await
            .unwrap();
        store
            .put_grant(GrantRecord {
                kind: "code".into(),
                key: "new".into(),
                payload: "{}".into(),
                expires_at: i64::MAX,
            })
            .await
            .unwrap();
        assert_eq!(store.grant("code", "old").await.unwrap(), None);
    }

    pub(crate) async fn retired_keys_neither_sign_nor_validate(store: DynStore) {
        for (kid, at) in [("k1", 10), ("k2", 20)] {
            store
                .add_signing_key(SigningKeyRecord {
                    kid: kid.into(),
                    private_pem: format!("pem-{kid}"),
                    created_at: at,
                })
                .await
                .unwrap();
        }
        let kids =
            |keys: Vec<SigningKeyRecord>| keys.into_iter().map(|k| k.kid).collect::<Vec<_>>();
        assert_eq!(kids(store.signing_keys().await.unwrap()), ["k2", "k1"]);
        assert!(store.retire_signing_key("k2").await.unwrap());
        assert!(!store.retire_signing_key("k2").await.unwrap());
        assert!(!store.retire_signing_key("nope").await.unwrap());
        assert_eq!(kids(store.signing_keys().await.unwrap()), ["k1"]);
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

    fn lease(partner: &str, request: &str, token: &str) -> Lease {
        Lease {
            key: IdempotencyKey {
                partner_id: partner.into(),
                request_id: request.into(),
            },
            token: token.into(),
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
        let first = lease("p1", "r1", "t1");
        let second = lease("p1", "r1", "t2");
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
                .reserve(&lease("p2", "r1", "t3"), "other", 30, 3600)
                .await
                .unwrap(),
            Reservation::Acquired
        );
        // A released key runs again; a lapsed lease is taken over by the same request only.
        let gone = lease("p1", "r2", "t4");
        assert_eq!(
            store.reserve(&gone, "fp2", 30, 3600).await.unwrap(),
            Reservation::Acquired
        );
        store.release(&gone).await.unwrap();
        assert_eq!(
            store
                .reserve(&lease("p1", "r2", "t5"), "fp2", 0, 3600)
                .await
                .unwrap(),
            Reservation::Acquired
        );
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(
            store
                .reserve(&lease("p1", "r2", "t6"), "different", 30, 3600)
                .await
                .unwrap(),
            Reservation::Pending {
                fingerprint: "fp2".into()
            }
        );
        assert_eq!(
            store
                .reserve(&lease("p1", "r2", "t7"), "fp2", 30, 3600)
                .await
                .unwrap(),
            Reservation::Acquired
        );
        assert!(
            !store
                .complete(&lease("p1", "r2", "t5"), response(200, "late"))
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

    // ---- concurrency: several nodes (or tasks) writing at once ----

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

    pub(crate) async fn concurrent_reservations_have_one_holder(store: DynStore) {
        const REQUESTS: usize = 16;
        let barrier = Arc::new(tokio::sync::Barrier::new(REQUESTS));
        let handles: Vec<_> = (0..REQUESTS)
            .map(|i| {
                let (store, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    let mine = lease("p1", "raced", &format!("t{i}"));
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
                .reserve(&lease("p1", "raced", "late"), "fp", 30, 3600)
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
}

backend_suite!(sqlite, fresh_sqlite_store);
#[cfg(feature = "postgres")]
backend_suite!(postgres, fresh_postgres_store);
