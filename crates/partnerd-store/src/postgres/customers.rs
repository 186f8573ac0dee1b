//! Customers, billing-profile compare-and-swap and keyset scans on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::exec::{begin, commit, execute, query, query_one, query_opt};
use super::idempotency::complete_in;
use super::lifecycle::{added_domain_taken, lock_domain, records};
use super::rows::{self, get, to_json, CUSTOMER_COLUMNS, P_PARTNER_COLUMNS};
use super::PostgresStore;
use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::lifecycle::{check_no_active, RecordKind};
use crate::model::*;
use crate::search::{
    page_from_probe, probe_cap, PrefixRange, Probed, QueryPlan, SearchKey, SearchPath,
};
use crate::CustomerStore;

/// Looks a customer up for a partner, on a connection or inside a transaction.
async fn lookup<C: GenericClient>(
    c: &C,
    partner_id: &TenantId,
    customer_id: &CustomerId,
) -> StoreResult<CustomerLookup> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers c \
         LEFT JOIN customer_partners r ON r.customer_seq = c.seq AND r.partner_id = $1 \
         WHERE c.id = $2"
    );
    match query_opt(c, &sql, &[&partner_id, &customer_id]).await? {
        None => Ok(CustomerLookup::Missing),
        Some(row) => Ok(match rows::customer_view(&row)? {
            Some(view) => CustomerLookup::Related(Box::new(view)),
            None => CustomerLookup::Unrelated,
        }),
    }
}

/// The customer as the partner sees it, or why not.
async fn related<C: GenericClient>(
    c: &C,
    partner_id: &TenantId,
    customer_id: &CustomerId,
) -> StoreResult<CustomerView> {
    match lookup(c, partner_id, customer_id).await? {
        CustomerLookup::Related(view) => Ok(*view),
        CustomerLookup::Unrelated => Err(StoreError::NoRelationship),
        CustomerLookup::Missing => Err(StoreError::CustomerNotFound),
    }
}

/// Locks the customer's row until the transaction ends, then reads it as the partner sees it:
/// every later check in the transaction sees the newest committed state, and no other write
/// to the customer can interleave.
async fn lock_related<C: GenericClient>(
    tx: &C,
    partner_id: &TenantId,
    customer_id: &CustomerId,
) -> StoreResult<CustomerView> {
    execute(
        tx,
        "SELECT 1 FROM customers WHERE id = $1 FOR UPDATE",
        &[&customer_id],
    )
    .await?;
    related(tx, partner_id, customer_id).await
}

/// The extra WHERE clause of each filter; `$5` is the filter value. Prefixes are compared as text, so `%` and `_` are no wildcards, on the
/// relationship's own copy of the keys; `|| ''` keeps the planner from reading this walk in
/// creation order through a key index (the probe has already found that many match).
fn filter_clause(filter: Option<&CustomerFilter>) -> &'static str {
    match filter {
        None => "",
        Some(CustomerFilter::CompanyNamePrefix(_)) => {
            "AND starts_with(r.company_name_fold || '', $5)"
        }
        Some(CustomerFilter::DomainPrefix(_)) => "AND starts_with(r.domain || '', $5)",
        Some(CustomerFilter::IndirectReseller(_)) => {
            "AND EXISTS (SELECT 1 FROM customer_partners o WHERE o.partner_id = $5 \
             AND o.customer_seq = r.customer_seq AND o.role = 'indirect_reseller')"
        }
        Some(CustomerFilter::IndirectProvider(_)) => {
            "AND r.role = 'indirect_reseller' AND EXISTS (SELECT 1 FROM customer_partners o \
             WHERE o.partner_id = $5 AND o.customer_seq = r.customer_seq AND o.role = 'reseller')"
        }
    }
}

/// A page in creation order: the partner's customers after the cursor `$2` up to `$3`,
/// filtered, at most `$4`.
fn walk_sql(filter: Option<&CustomerFilter>) -> String {
    let clause = filter_clause(filter);
    format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customer_partners r JOIN customers c ON c.seq = r.customer_seq \
         WHERE r.partner_id = $1 AND r.customer_seq > $2 AND r.customer_seq <= $3 {clause} \
         ORDER BY r.customer_seq LIMIT $4"
    )
}

/// The key-index probe: matches of `$2 <= key < $3` after the cursor `$4`, at most `$5`.
fn probe_sql(key: SearchKey) -> String {
    let column = key.column();
    format!(
        "SELECT customer_seq FROM customer_partners \
         WHERE partner_id = $1 AND {column} >= $2 AND {column} < $3 AND customer_seq > $4 LIMIT $5"
    )
}

/// The customers of a page the probe found, oldest first: one primary-key lookup per seq.
/// The lookup is a `LATERAL` subquery with `LIMIT 1` so that the planner cannot flatten it
/// into a join and read the partner's whole range of another index instead.
fn by_seqs_sql() -> String {
    format!(
        "SELECT found.* FROM unnest($2::bigint[]) AS page (seq) CROSS JOIN LATERAL \
         (SELECT {CUSTOMER_COLUMNS} FROM customer_partners r JOIN customers c ON c.seq = r.customer_seq \
          WHERE r.partner_id = $1 AND r.customer_seq = page.seq LIMIT 1) AS found ORDER BY page.seq"
    )
}

/// One statement of a page read, with its parameters, ready to run or to explain.
struct Step {
    sql: String,
    values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>>,
}

impl Step {
    fn params(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        self.values
            .iter()
            .map(|v| v.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect()
    }
}

/// The probe of a page whose filter is a bounded prefix.
fn probe_step(partner_id: &TenantId, query: &CustomerQuery) -> Option<Step> {
    let range = query.filter.as_ref().and_then(PrefixRange::of)?;
    Some(Step {
        sql: probe_sql(range.key),
        values: vec![
            Box::new(partner_id.as_str().to_owned()),
            Box::new(range.from.to_owned()),
            Box::new(range.below),
            Box::new(query.after.unwrap_or(0)),
            Box::new(probe_cap(query.limit) as i64 + 1),
        ],
    })
}

/// The statement that reads the page's rows: by the probe's seqs, or the walk.
fn rows_step(partner_id: &TenantId, query: &CustomerQuery, probed: Probed) -> Step {
    let partner = Box::new(partner_id.as_str().to_owned());
    match probed {
        Probed::Page(seqs) => Step {
            sql: by_seqs_sql(),
            values: vec![partner, Box::new(seqs)],
        },
        Probed::Walk { until } => {
            let mut values: Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> = vec![
                partner,
                Box::new(query.after.unwrap_or(0)),
                Box::new(until),
                Box::new(i64::from(query.limit)),
            ];
            if let Some(filter) = &query.filter {
                values.push(Box::new(filter.value().to_owned()));
            }
            Step {
                sql: walk_sql(query.filter.as_ref()),
                values,
            }
        }
    }
}

/// Runs the probe, if the page has one (see [`crate::search`]); a page without one is a walk.
async fn run_probe<C: GenericClient>(
    c: &C,
    probe: Option<&Step>,
    limit: u32,
) -> StoreResult<Probed> {
    let Some(probe) = probe else {
        return Ok(Probed::UNBOUNDED_WALK);
    };
    let seqs = query(c, &probe.sql, &probe.params())
        .await?
        .iter()
        .map(|row| get(row, 0))
        .collect::<StoreResult<Vec<i64>>>()?;
    Ok(page_from_probe(seqs, limit))
}

/// PostgreSQL's plan of a statement with its parameters, one line per step.
async fn plan_of<C: GenericClient>(c: &C, step: &Step) -> StoreResult<Vec<String>> {
    let sql = format!("EXPLAIN (COSTS OFF) {}", step.sql);
    query(c, &sql, &step.params())
        .await?
        .iter()
        .map(|row| get(row, 0))
        .collect()
}

/// Locks the partners a new customer relates to, in tenant-id order (so that two creations
/// never wait for each other crosswise), for the rest of the transaction.
async fn lock_partners<C: GenericClient>(tx: &C, new: &NewCustomer) -> StoreResult<()> {
    let mut partners = vec![new.partner_id.as_str()];
    partners.extend(new.associated_partner_id.as_deref());
    partners.sort_unstable();
    partners.dedup();
    for partner in partners {
        execute(
            tx,
            "SELECT 1 FROM partners WHERE tenant_id = $1 FOR NO KEY UPDATE",
            &[&partner],
        )
        .await?;
    }
    Ok(())
}

/// Inserts the customer and its relationships; the caller holds the partners' locks.
async fn insert_customer<C: GenericClient>(
    tx: &C,
    new: &NewCustomer,
    cap: Option<u32>,
) -> StoreResult<CustomerView> {
    if let Some(cap) = cap.filter(|c| *c > 0) {
        let row = query_one(
            tx,
            "SELECT COUNT(*) FROM customer_partners WHERE partner_id = $1 AND role = 'reseller'",
            &[&new.partner_id],
        )
        .await?;
        let held: i64 = get(&row, 0)?;
        if held >= i64::from(cap) {
            return Err(StoreError::CapReached(cap));
        }
    }
    lock_domain(tx, &new.domain).await?;
    if added_domain_taken(tx, &new.domain).await? {
        return Err(StoreError::DomainTaken);
    }
    let custom_domains = vec![new.domain.clone()];
    let name_fold = fold(new.company.company_name.as_deref().unwrap_or_default());
    let row = query_one(
        tx,
        "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, \
         company, billing, etag, admin_password_hash, associated_partner_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
        &[
            &new.id,
            &new.commerce_id,
            &new.domain,
            &name_fold,
            &to_json(&custom_domains)?,
            &to_json(&new.company)?,
            &to_json(&new.billing)?,
            &new.etag,
            &new.admin_password_hash,
            &new.associated_partner_id,
        ],
    )
    .await?;
    let seq: i64 = get(&row, 0)?;
    let relate =
        "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access, \
         company_name_fold, domain) VALUES ($1, $2, $3, $4, $5, $6)";
    let reseller = CustomerRole::Reseller.as_str();
    let (name, domain) = (&name_fold, &new.domain);
    execute(
        tx,
        relate,
        &[&new.partner_id, &seq, &reseller, &true, name, domain],
    )
    .await?;
    if let Some(indirect) = &new.associated_partner_id {
        let role = CustomerRole::IndirectReseller.as_str();
        execute(tx, relate, &[indirect, &seq, &role, &false, name, domain]).await?;
    }
    Ok(CustomerView {
        seq,
        id: new.id.clone(),
        commerce_id: new.commerce_id.clone(),
        domain: new.domain.clone(),
        custom_domains,
        company: new.company.clone(),
        billing: new.billing.clone(),
        etag: new.etag,
        associated_partner_id: new.associated_partner_id.clone(),
        role: CustomerRole::Reseller,
        delegated_access: true,
    })
}

#[async_trait]
impl CustomerStore for PostgresStore {
    async fn create_customer(
        &self,
        new: NewCustomer,
        cap: Option<u32>,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            lock_partners(&tx, &new).await?;
            let view = insert_customer(&tx, &new, cap).await?;
            complete_in(&tx, completion, Some(&view)).await?;
            commit(tx).await?;
            Ok(view)
        })
        .await
    }

    async fn customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<CustomerLookup> {
        self.timed(async { lookup(&self.conn().await?, partner_id, customer_id).await })
            .await
    }

    async fn billing_profile(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<(BillingProfile, i64)> {
        // No cache: other nodes write the same rows. Concurrent reads share one statement
        // (see billing_reads.rs).
        self.timed(async {
            let Some(stored) = self.billing_reads.read(customer_id).await? else {
                return Err(StoreError::CustomerNotFound);
            };
            if !stored.partners.contains(partner_id) {
                return Err(StoreError::NoRelationship);
            }
            Ok((rows::from_json("billing", &stored.billing)?, stored.etag))
        })
        .await
    }

    async fn list_customers(
        &self,
        partner_id: &TenantId,
        page: &CustomerQuery,
    ) -> StoreResult<Vec<CustomerView>> {
        self.timed(async {
            let mut client = self.conn().await?;
            let rows = match probe_step(partner_id, page) {
                None => {
                    let step = rows_step(partner_id, page, Probed::UNBOUNDED_WALK);
                    query(&client, &step.sql, &step.params()).await?
                }
                Some(probe) => {
                    // The probe and the page read one snapshot: a customer deleted between
                    // them would otherwise cut the page short.
                    let snapshot = client
                        .build_transaction()
                        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start()
                        .await
                        .map_err(super::map_err)?;
                    let probed = run_probe(&snapshot, Some(&probe), page.limit).await?;
                    let step = rows_step(partner_id, page, probed);
                    let rows = query(&snapshot, &step.sql, &step.params()).await?;
                    snapshot.commit().await.map_err(super::map_err)?;
                    rows
                }
            };
            rows.iter()
                .filter_map(|row| rows::customer_view(row).transpose())
                .collect()
        })
        .await
    }

    async fn explain_customers(
        &self,
        partner_id: &TenantId,
        page: &CustomerQuery,
    ) -> StoreResult<QueryPlan> {
        self.timed(async {
            let client = self.conn().await?;
            let probe = probe_step(partner_id, page);
            let probed = run_probe(&client, probe.as_ref(), page.limit).await?;
            let probe = match &probe {
                Some(probe) => plan_of(&client, probe).await?,
                None => Vec::new(),
            };
            let path = match probed {
                Probed::Page(_) => SearchPath::KeyIndex,
                Probed::Walk { .. } => SearchPath::CreationOrder,
            };
            let page = plan_of(&client, &rows_step(partner_id, page, probed)).await?;
            Ok(QueryPlan { path, probe, page })
        })
        .await
    }

    async fn remove_relationship(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        removal: RelationshipRemoval,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let mut view = lock_related(&tx, partner_id, customer_id).await?;
            view.check_removal(removal)?;
            if removal.reseller {
                let subscriptions =
                    records(&tx, view.seq, RecordKind::Subscription, Some(partner_id)).await?;
                check_no_active(&subscriptions)?;
                execute(
                    &tx,
                    "DELETE FROM customer_partners WHERE partner_id = $1 AND customer_seq = $2",
                    &[&partner_id, &view.seq],
                )
                .await?;
            } else if removal.delegated_access {
                execute(
                    &tx,
                    "UPDATE customer_partners SET delegated_access = FALSE \
                     WHERE partner_id = $1 AND customer_seq = $2",
                    &[&partner_id, &view.seq],
                )
                .await?;
            } else {
                return Err(StoreError::NothingToRemove);
            }
            view.delegated_access = false;
            complete_in(&tx, completion, Some(&view)).await?;
            commit(tx).await?;
            Ok(view)
        })
        .await
    }

    async fn delete_customer(
        &self,
        customer_id: &CustomerId,
        completion: Option<Completion>,
    ) -> StoreResult<bool> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            // Relationships go with it (ON DELETE CASCADE).
            let n = execute(&tx, "DELETE FROM customers WHERE id = $1", &[&customer_id]).await?;
            if n > 0 {
                complete_in(&tx, completion, None).await?;
            }
            commit(tx).await?;
            Ok(n > 0)
        })
        .await
    }

    async fn update_billing_profile(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        expected: EtagCondition,
        profile: BillingProfile,
        new_etag: i64,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            // The row lock is held from this read to the commit, so check-then-write is one
            // atomic compare-and-swap across every node.
            let mut view = lock_related(&tx, partner_id, customer_id).await?;
            let (profile, new_etag) = view.billing_update(expected, profile, new_etag)?;
            execute(
                &tx,
                "UPDATE customers SET billing = $1, etag = $2 WHERE seq = $3",
                &[&to_json(&profile)?, &new_etag, &view.seq],
            )
            .await?;
            view.billing = profile;
            view.etag = new_etag;
            complete_in(&tx, completion, Some(&view)).await?;
            commit(tx).await?;
            Ok(view)
        })
        .await
    }

    async fn relate_customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        role: CustomerRole,
    ) -> StoreResult<bool> {
        self.timed(async {
            let client = self.conn().await?;
            let row = query_opt(
                &client,
                "SELECT seq FROM customers WHERE id = $1",
                &[&customer_id],
            )
            .await?
            .ok_or(StoreError::CustomerNotFound)?;
            let seq: i64 = get(&row, 0)?;
            let n = execute(
                &client,
                "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access, \
                 company_name_fold, domain) SELECT $1, seq, $3, $4, company_name_fold, domain \
                 FROM customers WHERE seq = $2 ON CONFLICT (partner_id, customer_seq) DO NOTHING",
                &[
                    &partner_id,
                    &seq,
                    &role.as_str(),
                    &(role == CustomerRole::Reseller),
                ],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn reset_partner(&self, partner_id: &TenantId) -> StoreResult<u64> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let n = execute(
                &tx,
                "DELETE FROM customers WHERE seq IN (SELECT customer_seq FROM customer_partners \
                 WHERE partner_id = $1 AND role = 'reseller')",
                &[&partner_id],
            )
            .await?;
            // The codes' creates went with the customers that used them.
            execute(
                &tx,
                "UPDATE validation_codes SET remaining_creates = max_creates WHERE partner_id = $1",
                &[&partner_id],
            )
            .await?;
            for table in ["request_history", "request_chunks", "request_daily"] {
                execute(
                    &tx,
                    &format!("DELETE FROM {table} WHERE partner_id = $1"),
                    &[&partner_id],
                )
                .await?;
            }
            commit(tx).await?;
            Ok(n)
        })
        .await
    }

    async fn customer_partners(
        &self,
        customer_id: &CustomerId,
    ) -> StoreResult<Vec<(PartnerRecord, CustomerRole)>> {
        let sql = format!(
            "SELECT {P_PARTNER_COLUMNS}, r.role FROM customers c \
             JOIN customer_partners r ON r.customer_seq = c.seq \
             JOIN partners p ON p.tenant_id = r.partner_id WHERE c.id = $1 ORDER BY p.seq"
        );
        self.timed(async {
            let found = query(&self.conn().await?, &sql, &[&customer_id]).await?;
            found
                .iter()
                .map(|row| Ok((rows::partner(row)?, rows::role(get(row, 6)?)?)))
                .collect()
        })
        .await
    }

    async fn domain_taken(&self, domain: &str) -> StoreResult<bool> {
        self.timed(async {
            let row = query_one(
                &self.conn().await?,
                "SELECT EXISTS (SELECT 1 FROM customers WHERE domain = $1) \
                 OR EXISTS (SELECT 1 FROM customer_domains WHERE name = $1)",
                &[&domain.to_lowercase()],
            )
            .await?;
            get(&row, 0)
        })
        .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.timed(async {
            query_one(&self.conn().await?, "SELECT 1", &[]).await?;
            Ok(())
        })
        .await
    }
}
