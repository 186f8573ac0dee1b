//! Customers, billing-profile compare-and-swap and keyset scans on SQLite.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::cache::CachedBilling;
use super::idempotency::complete_in;
use super::lifecycle::{added_domain_taken, records};
use super::rows::{self, to_json, CUSTOMER_COLUMNS};
use super::{map_err, SqliteStore};
use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::lifecycle::{check_no_active, RecordKind};
use crate::model::*;
use crate::search::{
    page_from_probe, probe_cap, PrefixRange, Probed, QueryPlan, SearchKey, SearchPath,
};
use crate::CustomerStore;

/// Looks a customer up for a partner on any connection (reader or inside a write transaction).
fn lookup(
    c: &Connection,
    partner_id: &TenantId,
    customer_id: &CustomerId,
) -> StoreResult<CustomerLookup> {
    let sql = format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers c \
         LEFT JOIN customer_partners r ON r.customer_seq = c.seq AND r.partner_id = ?1 \
         WHERE c.id = ?2"
    );
    let row = c
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params![partner_id, customer_id], rows::customer_row)
                .optional()
        })
        .map_err(map_err)?;
    match row {
        None => Ok(CustomerLookup::Missing),
        Some(row) => Ok(match row.into_view()? {
            Some(view) => CustomerLookup::Related(Box::new(view)),
            None => CustomerLookup::Unrelated,
        }),
    }
}

fn related(
    c: &Connection,
    partner_id: &TenantId,
    customer_id: &CustomerId,
) -> StoreResult<CustomerView> {
    match lookup(c, partner_id, customer_id)? {
        CustomerLookup::Related(view) => Ok(*view),
        CustomerLookup::Unrelated => Err(StoreError::NoRelationship),
        CustomerLookup::Missing => Err(StoreError::CustomerNotFound),
    }
}

/// A customer's billing profile, ETag and related partners, from the database.
fn read_billing(c: &Connection, customer_id: &CustomerId) -> StoreResult<Option<CachedBilling>> {
    let sql = "SELECT c.billing, c.etag, \
               (SELECT group_concat(r.partner_id, ' ') FROM customer_partners r WHERE r.customer_seq = c.seq) \
               FROM customers c WHERE c.id = ?1";
    let row: Option<(String, i64, Option<String>)> = c
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_row([customer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .map_err(map_err)?;
    row.map(|(billing, etag, partners)| {
        Ok(CachedBilling {
            partners: partners
                .unwrap_or_default()
                .split_whitespace()
                .map(|p| TenantId::from_stored(p.to_owned()))
                .collect(),
            billing: serde_json::from_str(&billing)
                .map_err(|e| StoreError::Internal(format!("stored billing is unreadable: {e}")))?,
            etag,
        })
    })
    .transpose()
}

/// The WHERE clause of each filter; `?5` is the filter value.
/// Prefixes are tested on the relationship's own copy of the keys, so that the walk in
/// creation order reads no customer row that does not match.
fn filter_clause(filter: Option<&CustomerFilter>) -> &'static str {
    match filter {
        None => "",
        Some(CustomerFilter::CompanyNamePrefix(_)) => {
            "AND substr(r.company_name_fold, 1, length(?5)) = ?5"
        }
        Some(CustomerFilter::DomainPrefix(_)) => "AND substr(r.domain, 1, length(?5)) = ?5",
        Some(CustomerFilter::IndirectReseller(_)) => {
            "AND EXISTS (SELECT 1 FROM customer_partners o WHERE o.partner_id = ?5 \
             AND o.customer_seq = r.customer_seq AND o.role = 'indirect_reseller')"
        }
        Some(CustomerFilter::IndirectProvider(_)) => {
            "AND r.role = 'indirect_reseller' AND EXISTS (SELECT 1 FROM customer_partners o \
             WHERE o.partner_id = ?5 AND o.customer_seq = r.customer_seq AND o.role = 'reseller')"
        }
    }
}

/// A page in creation order: the partner's customers after the cursor `?2` up to `?3`,
/// filtered, at most `?4`.
fn walk_sql(filter: Option<&CustomerFilter>) -> String {
    let clause = filter_clause(filter);
    format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customer_partners r JOIN customers c ON c.seq = r.customer_seq \
         WHERE r.partner_id = ?1 AND r.customer_seq > ?2 AND r.customer_seq <= ?3 {clause} \
         ORDER BY r.customer_seq LIMIT ?4"
    )
}

/// The key-index probe: matches of `?2 <= key < ?3` after the cursor `?4`, at most `?5`.
fn probe_sql(key: SearchKey) -> String {
    let (index, column) = (key.index(), key.column());
    format!(
        "SELECT customer_seq FROM customer_partners INDEXED BY {index} \
         WHERE partner_id = ?1 AND {column} >= ?2 AND {column} < ?3 AND customer_seq > ?4 LIMIT ?5"
    )
}

/// One customer of a page the probe found.
fn by_seq_sql() -> String {
    format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customer_partners r JOIN customers c ON c.seq = r.customer_seq \
         WHERE r.partner_id = ?1 AND r.customer_seq = ?2"
    )
}

/// Reads the key index for a page whose filter is a bounded prefix (see [`crate::search`]);
/// any other page is a walk in creation order.
fn probe(c: &Connection, partner_id: &TenantId, query: &CustomerQuery) -> StoreResult<Probed> {
    let Some(range) = query.filter.as_ref().and_then(PrefixRange::of) else {
        return Ok(Probed::UNBOUNDED_WALK);
    };
    let most = probe_cap(query.limit) as i64 + 1;
    let after = query.after.unwrap_or(0);
    let seqs: Vec<i64> = c
        .prepare_cached(&probe_sql(range.key))
        .and_then(|mut s| {
            s.query_map(
                params![partner_id, range.from, range.below, after, most],
                |r| r.get(0),
            )?
            .collect()
        })
        .map_err(map_err)?;
    Ok(page_from_probe(seqs, query.limit))
}

/// The page's rows, by the probe's seqs or by the walk in creation order.
fn page_rows(
    c: &Connection,
    partner_id: &TenantId,
    query: &CustomerQuery,
    probed: Probed,
) -> StoreResult<Vec<rows::CustomerRow>> {
    let rows = match probed {
        Probed::Page(seqs) => c.prepare_cached(&by_seq_sql()).and_then(|mut s| {
            seqs.iter()
                .map(|seq| s.query_row(params![partner_id, seq], rows::customer_row))
                .collect()
        }),
        Probed::Walk { until } => {
            let after = query.after.unwrap_or(0);
            c.prepare_cached(&walk_sql(query.filter.as_ref()))
                .and_then(|mut s| {
                    match query.filter.as_ref().map(CustomerFilter::value) {
                        None => s.query_map(
                            params![partner_id, after, until, query.limit],
                            rows::customer_row,
                        ),
                        Some(v) => s.query_map(
                            params![partner_id, after, until, query.limit, v],
                            rows::customer_row,
                        ),
                    }?
                    .collect()
                })
        }
    };
    rows.map_err(map_err)
}

/// SQLite's plan of a statement, one line per step.
fn plan_of(c: &Connection, sql: &str) -> StoreResult<Vec<String>> {
    let mut s = c
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .map_err(map_err)?;
    let nulls = vec![rusqlite::types::Null; s.parameter_count()];
    s.query_map(rusqlite::params_from_iter(nulls), |r| r.get(3))
        .and_then(|rows| rows.collect())
        .map_err(map_err)
}

#[async_trait]
impl CustomerStore for SqliteStore {
    async fn create_customer(
        &self,
        new: NewCustomer,
        cap: Option<u32>,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView> {
        let custom_domains = vec![new.domain.clone()];
        let domains_json = to_json(&custom_domains)?;
        let company_json = to_json(&new.company)?;
        let billing_json = to_json(&new.billing)?;
        let name_fold = fold(new.company.company_name.as_deref().unwrap_or_default());
        self.write(move |tx| {
            if let Some(cap) = cap.filter(|c| *c > 0) {
                let held: u32 = tx
                    .prepare_cached("SELECT COUNT(*) FROM customer_partners WHERE partner_id = ?1 AND role = 'reseller'")
                    .and_then(|mut s| s.query_row([&new.partner_id], |r| r.get(0)))
                    .map_err(map_err)?;
                if held >= cap {
                    return Err(StoreError::CapReached(cap));
                }
            }
            if added_domain_taken(tx, &new.domain)? {
                return Err(StoreError::DomainTaken);
            }
            tx.prepare_cached(
                "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, company, billing, etag, admin_password_hash, associated_partner_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    new.id,
                    new.commerce_id,
                    new.domain,
                    name_fold,
                    domains_json,
                    company_json,
                    billing_json,
                    new.etag,
                    new.admin_password_hash,
                    new.associated_partner_id
                ])
            })
            .map_err(map_err)?;
            let seq = tx.last_insert_rowid();
            let mut relate = tx
                .prepare_cached(
                    "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access, company_name_fold, domain) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(map_err)?;
            relate
                .execute(params![new.partner_id, seq, CustomerRole::Reseller.as_str(), true, name_fold, new.domain])
                .map_err(map_err)?;
            if let Some(reseller) = &new.associated_partner_id {
                relate
                    .execute(params![reseller, seq, CustomerRole::IndirectReseller.as_str(), false, name_fold, new.domain])
                    .map_err(map_err)?;
            }
            let view = CustomerView {
                seq,
                id: new.id.clone(),
                commerce_id: new.commerce_id.clone(),
                domain: new.domain.clone(),
                custom_domains: custom_domains.clone(),
                company: new.company.clone(),
                billing: new.billing.clone(),
                etag: new.etag,
                associated_partner_id: new.associated_partner_id.clone(),
                role: CustomerRole::Reseller,
                delegated_access: true,
            };
            complete_in(tx, completion, Some(&view))?;
            Ok(view)
        })
        .await
    }

    async fn customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<CustomerLookup> {
        self.read(|c| lookup(c, partner_id, customer_id))
    }

    async fn billing_profile(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
    ) -> StoreResult<(BillingProfile, i64)> {
        let entry = match self.billing.get(customer_id) {
            Some(entry) => Some(entry),
            None => {
                let generation = self.billing.generation();
                let entry = self.read(|c| read_billing(c, customer_id))?.map(Arc::new);
                if let Some(entry) = &entry {
                    self.billing.fill(generation, customer_id, entry.clone());
                }
                entry
            }
        };
        match entry {
            None => Err(StoreError::CustomerNotFound),
            Some(e) if !e.partners.iter().any(|p| p == partner_id) => {
                Err(StoreError::NoRelationship)
            }
            Some(e) => Ok((e.billing.clone(), e.etag)),
        }
    }

    async fn list_customers(
        &self,
        partner_id: &TenantId,
        query: &CustomerQuery,
    ) -> StoreResult<Vec<CustomerView>> {
        self.read(|c| {
            // The probe and the page read one snapshot: a customer deleted between them would
            // otherwise fail the page or cut it short.
            let snapshot = c.unchecked_transaction().map_err(map_err)?;
            let probed = probe(&snapshot, partner_id, query)?;
            let rows = page_rows(&snapshot, partner_id, query, probed)?;
            snapshot.commit().map_err(map_err)?;
            rows.into_iter()
                .filter_map(|row| row.into_view().transpose())
                .collect()
        })
    }

    async fn explain_customers(
        &self,
        partner_id: &TenantId,
        query: &CustomerQuery,
    ) -> StoreResult<QueryPlan> {
        self.read(|c| {
            let probe_plan = match query.filter.as_ref().and_then(PrefixRange::of) {
                Some(range) => plan_of(c, &probe_sql(range.key))?,
                None => Vec::new(),
            };
            let (path, page) = match probe(c, partner_id, query)? {
                Probed::Page(_) => (SearchPath::KeyIndex, plan_of(c, &by_seq_sql())?),
                Probed::Walk { .. } => (
                    SearchPath::CreationOrder,
                    plan_of(c, &walk_sql(query.filter.as_ref()))?,
                ),
            };
            Ok(QueryPlan {
                path,
                probe: probe_plan,
                page,
            })
        })
    }

    async fn remove_relationship(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        removal: RelationshipRemoval,
        completion: Option<Completion>,
    ) -> StoreResult<CustomerView> {
        let key = customer_id.to_owned();
        let (partner_id, customer_id) = (partner_id.to_owned(), customer_id.to_owned());
        let result = self.write(move |tx| {
            let (partner_id, customer_id) = (&partner_id, &customer_id);
            let mut view = related(tx, partner_id, customer_id)?;
            view.check_removal(removal)?;
            if removal.reseller {
                let subscriptions =
                    records(tx, view.seq, RecordKind::Subscription, Some(partner_id))?;
                check_no_active(&subscriptions)?;
                tx.execute(
                    "DELETE FROM customer_partners WHERE partner_id = ?1 AND customer_seq = ?2",
                    params![partner_id, view.seq],
                )
                .map_err(map_err)?;
                view.delegated_access = false;
            } else if removal.delegated_access {
                tx.execute(
                    "UPDATE customer_partners SET delegated_access = 0 WHERE partner_id = ?1 AND customer_seq = ?2",
                    params![partner_id, view.seq],
                )
                .map_err(map_err)?;
                view.delegated_access = false;
            } else {
                return Err(StoreError::NothingToRemove);
            }
            complete_in(tx, completion, Some(&view))?;
            Ok(view)
        })
        .await;
        self.billing.invalidate(&key);
        result
    }

    async fn delete_customer(
        &self,
        customer_id: &CustomerId,
        completion: Option<Completion>,
    ) -> StoreResult<bool> {
        let key = customer_id.to_owned();
        let customer_id = customer_id.to_owned();
        let result = self
            .write(move |tx| {
                let n = tx
                    .execute("DELETE FROM customers WHERE id = ?1", [customer_id])
                    .map_err(map_err)?;
                if n > 0 {
                    complete_in(tx, completion, None)?;
                }
                Ok(n > 0)
            })
            .await;
        self.billing.invalidate(&key);
        result
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
        let key = customer_id.to_owned();
        let (partner_id, customer_id) = (partner_id.to_owned(), customer_id.to_owned());
        let result = self
            .write(move |tx| {
                let (partner_id, customer_id) = (&partner_id, &customer_id);
                // The write lock is held from this read to the commit, so check-then-write is
                // one atomic compare-and-swap.
                let mut view = related(tx, partner_id, customer_id)?;
                let (profile, new_etag) = view.billing_update(expected, profile, new_etag)?;
                let billing_json = to_json(&profile)?;
                tx.prepare_cached("UPDATE customers SET billing = ?1, etag = ?2 WHERE seq = ?3")
                    .and_then(|mut s| s.execute(params![billing_json, new_etag, view.seq]))
                    .map_err(map_err)?;
                view.billing = profile;
                view.etag = new_etag;
                complete_in(tx, completion, Some(&view))?;
                Ok(view)
            })
            .await;
        self.billing.invalidate(&key);
        result
    }

    async fn relate_customer(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        role: CustomerRole,
    ) -> StoreResult<bool> {
        let key = customer_id.to_owned();
        let (partner_id, customer_id) = (partner_id.to_owned(), customer_id.to_owned());
        let result = self
            .write(move |tx| {
                let seq: Option<i64> = tx
                    .query_row("SELECT seq FROM customers WHERE id = ?1", [&customer_id], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(map_err)?;
                let seq = seq.ok_or(StoreError::CustomerNotFound)?;
                let n = tx
                    .execute(
                        "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access, company_name_fold, domain) \
                         SELECT ?1, seq, ?3, ?4, company_name_fold, domain FROM customers WHERE seq = ?2 \
                         ON CONFLICT (partner_id, customer_seq) DO NOTHING",
                        params![partner_id, seq, role.as_str(), role == CustomerRole::Reseller],
                    )
                    .map_err(map_err)?;
                Ok(n > 0)
            })
            .await;
        self.billing.invalidate(&key);
        result
    }

    async fn reset_partner(&self, partner_id: &TenantId) -> StoreResult<u64> {
        let partner_id = partner_id.to_owned();
        let result = self
            .write(move |tx| {
                let n = tx
                    .execute(
                        "DELETE FROM customers WHERE seq IN (SELECT customer_seq FROM customer_partners \
                         WHERE partner_id = ?1 AND role = 'reseller')",
                        [&partner_id],
                    )
                    .map_err(map_err)?;
                // The codes' creates went with the customers that used them.
                tx.execute(
                    "UPDATE validation_codes SET remaining_creates = max_creates WHERE partner_id = ?1",
                    [&partner_id],
                )
                .map_err(map_err)?;
                for table in ["request_history", "request_chunks", "request_daily"] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE partner_id = ?1"),
                        [&partner_id],
                    )
                    .map_err(map_err)?;
                }
                Ok(n as u64)
            })
            .await;
        self.billing.clear();
        result
    }

    async fn customer_partners(
        &self,
        customer_id: &CustomerId,
    ) -> StoreResult<Vec<(PartnerRecord, CustomerRole)>> {
        let cols = rows::PARTNER_COLUMNS
            .split(", ")
            .map(|col| format!("p.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, r.role FROM customers c JOIN customer_partners r ON r.customer_seq = c.seq \
             JOIN partners p ON p.tenant_id = r.partner_id WHERE c.id = ?1 ORDER BY p.seq"
        );
        self.read(|c| {
            let mut s = c.prepare_cached(&sql).map_err(map_err)?;
            let raw: Vec<(PartnerRecord, String)> = s
                .query_map([customer_id], |r| Ok((rows::partner(r)?, r.get(6)?)))
                .and_then(|rows| rows.collect())
                .map_err(map_err)?;
            raw.into_iter()
                .map(|(p, role)| {
                    CustomerRole::parse(&role)
                        .map(|role| (p, role))
                        .ok_or_else(|| {
                            StoreError::Internal(format!("stored role {role} is unknown"))
                        })
                })
                .collect()
        })
    }

    async fn domain_taken(&self, domain: &str) -> StoreResult<bool> {
        self.read(|c| {
            let domain = domain.to_lowercase();
            let first = c
                .prepare_cached("SELECT 1 FROM customers WHERE domain = ?1")
                .and_then(|mut s| s.exists([&domain]))
                .map_err(map_err)?;
            Ok(first || added_domain_taken(c, &domain)?)
        })
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(map_err))
    }
}
