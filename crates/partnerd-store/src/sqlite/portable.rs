//! Export and import on SQLite.

use async_trait::async_trait;
use rusqlite::params;

use super::rows::{self, to_json, PARTNER_COLUMNS};
use super::{map_err, SqliteStore};
use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::model::{fold, ExportCustomer, ExportRelation, PartnerRecord};
use crate::PortableStore;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is unreadable: {e}"))
}

#[async_trait]
impl PortableStore for SqliteStore {
    async fn all_partners(&self) -> StoreResult<Vec<PartnerRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare(&format!(
                    "SELECT {PARTNER_COLUMNS} FROM partners ORDER BY seq"
                ))
                .map_err(map_err)?;
            let rows = s.query_map([], rows::partner).map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }

    async fn all_secrets(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.read(|c| {
            let mut s = c
                .prepare("SELECT name, value FROM secrets ORDER BY name")
                .map_err(map_err)?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }

    async fn export_customers(&self) -> StoreResult<Vec<ExportCustomer>> {
        self.read(|c| {
            let mut s = c
                .prepare(
                    "SELECT seq, id, commerce_id, domain, custom_domains, company, billing, etag, \
                     admin_password_hash, associated_partner_id FROM customers ORDER BY seq",
                )
                .map_err(map_err)?;
            type Raw = (
                i64,
                String,
                String,
                String,
                String,
                String,
                String,
                i64,
                String,
                Option<String>,
            );
            let raw: Vec<Raw> = s
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                })
                .and_then(|rows| rows.collect())
                .map_err(map_err)?;
            let mut relations = c
                .prepare(
                    "SELECT partner_id, role, delegated_access FROM customer_partners \
                     WHERE customer_seq = ?1 ORDER BY partner_id",
                )
                .map_err(map_err)?;
            raw.into_iter()
                .map(
                    |(
                        seq,
                        id,
                        commerce_id,
                        domain,
                        domains,
                        company,
                        billing,
                        etag,
                        hash,
                        associated,
                    )| {
                        let relations: Vec<ExportRelation> = relations
                            .query_map([seq], |r| {
                                Ok(ExportRelation {
                                    partner_id: r.get(0)?,
                                    role: r.get(1)?,
                                    delegated_access: r.get(2)?,
                                })
                            })
                            .and_then(|rows| rows.collect())
                            .map_err(map_err)?;
                        Ok(ExportCustomer {
                            id: CustomerId::from_stored(id),
                            commerce_id,
                            domain,
                            custom_domains: serde_json::from_str(&domains)
                                .map_err(|e| corrupt("domains", e))?,
                            company: serde_json::from_str(&company)
                                .map_err(|e| corrupt("company", e))?,
                            billing: serde_json::from_str(&billing)
                                .map_err(|e| corrupt("billing", e))?,
                            etag,
                            admin_password_hash: hash,
                            associated_partner_id: associated.map(TenantId::from_stored),
                            relations,
                            records: Vec::new(),
                            domains: Vec::new(),
                        })
                    },
                )
                .collect()
        })
    }

    async fn import_customers(&self, customers: Vec<ExportCustomer>) -> StoreResult<()> {
        let rows = customers
            .into_iter()
            .map(|c| {
                let name_fold = fold(c.company.company_name.as_deref().unwrap_or_default());
                Ok((
                    name_fold,
                    to_json(&c.custom_domains)?,
                    to_json(&c.company)?,
                    to_json(&c.billing)?,
                    c,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        self.write(move |tx| {
            // A bulk load's transactions touch many index pages: a page cache of 256 MiB
            // (SQLite's default is 2 MiB) keeps them until the commit instead of spilling them
            // to the WAL one by one, about twice as fast. Serving keeps the default, because
            // SQLite scans the whole cache at the end of every write transaction.
            tx.execute_batch("PRAGMA cache_size = -262144")
                .map_err(map_err)?;
            let mut customer = tx
                .prepare_cached(
                    "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, company, billing, etag, admin_password_hash, associated_partner_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(map_err)?;
            let mut relation = tx
                .prepare_cached(
                    "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access, company_name_fold, domain) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(map_err)?;
            for (name_fold, domains, company, billing, c) in &rows {
                customer
                    .execute(params![
                        c.id,
                        c.commerce_id,
                        c.domain,
                        name_fold,
                        domains,
                        company,
                        billing,
                        c.etag,
                        c.admin_password_hash,
                        c.associated_partner_id
                    ])
                    .map_err(map_err)?;
                let seq = tx.last_insert_rowid();
                for r in &c.relations {
                    relation
                        .execute(params![
                            r.partner_id,
                            seq,
                            r.role,
                            r.delegated_access,
                            name_fold,
                            c.domain
                        ])
                        .map_err(map_err)?;
                }
            }
            Ok(())
        })
        .await
    }
}
