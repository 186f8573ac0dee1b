//! The behavioural test suite of the storage traits, run against every backend.
//!
//! Each case is an `async fn` that gets a fresh, empty [`DynStore`] and talks to it only
//! through the [`partnerd_store::Store`] traits, so it knows nothing about the backend. The
//! cases live in one module per trait they exercise most ([`partners`], [`keys`],
//! [`customers`], [`lifecycle`], [`history`], [`grants`], [`idempotency`], [`portable`]); this file is the harness they
//! share: the backends' constructors, `backend_suite!`, `assert_err!`, and the records and
//! lookups most cases build on.
//!
//! `backend_suite!(name, constructor)` expands to one `#[tokio::test]` per case for a backend,
//! named `name::module::case` (so `cargo test --test suite sqlite::keys` runs one module on one
//! backend). The constructor returns the store and a guard that keeps its database alive until
//! the test ends (for SQLite, the temporary directory; for PostgreSQL, a schema of its own),
//! or `None` when the backend's server cannot be reached: the test then returns without
//! running its case, after saying so loudly, or fails where PostgreSQL is required (in CI, or
//! whenever `PARTNERD_TEST_POSTGRES` is set; see `partnerd_testkit::postgres`). A case that
//! moves data between stores (export and import) gets two fresh stores of the same backend. A
//! new backend gets the whole suite by adding a constructor and one `backend_suite!` line at
//! the bottom of this file; a new case, by adding its name to the list in `backend_suite!`.
//!
//! PostgreSQL: the server named by `PARTNERD_TEST_POSTGRES` (default
//! `postgres://partnerd:partnerd@127.0.0.1:5432/partnerd`, which `.ci/postgres.sh` sets up);
//! each test gets a fresh schema there, dropped when the test ends.

use std::sync::atomic::{AtomicU64, Ordering};

use partnerd_store::{
    AppRecord, BillingProfile, ClientId, CompanyProfile, CustomerId, CustomerLookup, CustomerView,
    DynStore, NewCustomer, NewPartner, PartnerKind, PartnerRecord, StoredAddress, TenantId, UserId,
    UserRecord,
};
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
///
/// The cases are listed here, by module, rather than discovered: a case missing from the list
/// would silently run on no backend, and a name listed but not defined fails to compile.
macro_rules! backend_suite {
    ($backend:ident, $fresh:path) => {
        backend_suite!(@expand $backend, $fresh,
            one_store: {
                partners: [
                    partners_round_trip,
                    duplicate_partner_is_rejected_whole,
                    principal_resolves_token_subjects,
                    partner_links_are_idempotent_and_directed,
                    apps_and_users_can_be_deleted,
                    secrets_and_passwords_can_be_replaced,
                ],
                keys: [
                    signing_keys_and_secrets,
                    retired_keys_neither_sign_nor_validate,
                    concurrent_retirements_leave_a_key,
                ],
                customers: [
                    customer_create_and_lookup,
                    customer_domains_are_unique,
                    customer_cap_is_enforced_atomically,
                    associated_partner_is_indirect_reseller,
                    list_customers_pages_oldest_first,
                    list_customers_filters_by_prefix,
                    keyset_scan_survives_changes_between_pages,
                    prefix_searches_read_an_index_whatever_they_match,
                    remove_relationship,
                    delete_customer,
                    update_billing_profile_compare_and_swap,
                    concurrent_billing_updates_have_one_winner,
                    billing_reads_follow_every_write,
                    concurrent_billing_reads_each_get_their_own,
                    reset_empties_one_partner,
                    an_existing_customer_can_be_related_to_another_partner,
                    concurrent_capped_creates_stop_at_the_cap,
                    concurrent_creates_of_one_domain_have_one_winner,
                    ping,
                ],
                grants: [
                    grants_are_redeemed_once,
                ],
                history: [
                    history_is_read_newest_first_per_partner,
                    adoption_counts_api_requests_per_day_and_app,
                    documents_are_kept_by_kind_and_key,
                    limits_take_the_newest_across_overlapping_chunks,
                ],
                lifecycle: [
                    records_are_written_swapped_and_deleted,
                    active_subscriptions_keep_the_reseller_relationship,
                    qualifications_use_codes_atomically,
                    concurrent_qualifications_use_a_code_once,
                    validation_codes_are_per_partner,
                    added_domains_are_unique_across_tenants,
                    concurrent_claims_of_one_domain_have_one_winner,
                ],
                idempotency: [
                    idempotency_reserve_complete_replay,
                    stale_leases_are_released_by_node_or_all,
                    idempotency_completion_commits_with_the_write,
                    concurrent_reservations_have_one_holder,
                    lost_lease_undoes_every_write,
                ],
            },
            two_stores: {
                portable: [
                    export_and_import_give_back_everything,
                ],
            }
        );
    };
    (@expand $backend:ident, $fresh:path,
        one_store: { $($module:ident: [$($case:ident),* $(,)?]),* $(,)? },
        two_stores: { $($pair_module:ident: [$($pair_case:ident),* $(,)?]),* $(,)? }
    ) => {
        mod $backend {
            $(
                mod $module {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $case() {
                            let Some((store, guard)) = $fresh().await else {
                                return;
                            };
                            crate::$module::$case(store).await;
                            drop(guard);
                        }
                    )*
                }
            )*
            $(
                mod $pair_module {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $pair_case() {
                            let Some((store, guard)) = $fresh().await else {
                                return;
                            };
                            let Some((other, other_guard)) = $fresh().await else {
                                return;
                            };
                            crate::$pair_module::$pair_case(store, other).await;
                            drop((guard, other_guard));
                        }
                    )*
                }
            )*
        }
    };
}

mod customers;
mod grants;
mod history;
mod idempotency;
mod keys;
mod lifecycle;
mod partners;
mod portable;

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

/// A fresh PostgreSQL store in a new schema on the test server, or `None` when no PostgreSQL
/// answers there and none is required (see `partnerd_testkit::postgres::unreachable`).
#[cfg(feature = "postgres")]
async fn fresh_postgres_store() -> Option<(DynStore, PostgresSchema)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);

    let server = partnerd_testkit::postgres::server_url();
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
            // Panics instead where PostgreSQL is required, so CI cannot pass by skipping.
            partnerd_testkit::postgres::unreachable(e);
            None
        }
        Err(e) => panic!("PostgreSQL at {server} answered but the store failed to open: {e}"),
    }
}

// ---- records and lookups most cases build on ----

/// A GUID derived from a name (FNV-1a), so that cases can name their ids as they read:
/// `tid("contoso")` is always the same tenant id. `kind` keeps the tenant, app and user
/// of one name apart.
fn guid(kind: u8, name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(kind).chain(name.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 52) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

/// The tenant id of the partner `name`.
fn tid(name: &str) -> TenantId {
    TenantId::parse(&guid(1, name)).expect("a GUID")
}

/// The client id of the app of the partner `name`.
fn app(name: &str) -> ClientId {
    ClientId::parse(&guid(2, name)).expect("a GUID")
}

/// The object id of the user of the partner `name`.
fn oid(name: &str) -> UserId {
    UserId::parse(&guid(3, name)).expect("a GUID")
}

/// A partner named `name` with one app and one user, every id derived from the name.
fn new_partner(name: &str) -> NewPartner {
    let tenant_id = tid(name);
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
            client_id: app(name),
            tenant_id: tenant_id.clone(),
            name: format!("{name} app"),
            secret_hash: format!("$argon2id$secret-of-{name}"),
        }],
        users: vec![UserRecord {
            object_id: oid(name),
            tenant_id,
            upn: format!("Admin@{domain}"),
            password_hash: format!("$argon2id$password-of-{name}"),
            mfa: true,
        }],
        validation_codes: Vec::new(),
    }
}

/// Stores `new_partner(name)` and returns its tenant id.
async fn add_partner(store: &DynStore, name: &str) -> TenantId {
    let new = new_partner(name);
    let tenant_id = new.partner.tenant_id.clone();
    store.create_partner(new).await.expect("create partner");
    tenant_id
}

/// A customer of `partner` with a fresh id; `domain` must be lower case.
fn new_customer(partner: &TenantId, domain: &str, name: &str) -> NewCustomer {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    NewCustomer {
        partner_id: partner.clone(),
        id: CustomerId::parse(&format!("00000000-0000-4000-8000-{n:012}")).expect("a GUID"),
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
async fn related(store: &DynStore, partner: &TenantId, customer: &CustomerId) -> CustomerView {
    match store
        .customer(partner, customer)
        .await
        .expect("customer lookup")
    {
        CustomerLookup::Related(view) => *view,
        other => panic!("expected {customer} related to {partner}, got {other:?}"),
    }
}

backend_suite!(sqlite, crate::fresh_sqlite_store);
#[cfg(feature = "postgres")]
backend_suite!(postgres, crate::fresh_postgres_store);
