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

    async fn import_customer(&self, customer: ExportCustomer) -> StoreResult<()> {
        let name_fold = fold(customer.company.company_name.as_deref().unwrap_or_default());
        let domains = to_json(&customer.custom_domains)?;
        let company = to_json(&customer.company)?;
        let billing = to_json(&customer.billing)?;
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, company, billing, etag, admin_password_hash, associated_partner_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    customer.id,
                    customer.commerce_id,
                    customer.domain,
                    name_fold,
                    domains,
                    company,
                    billing,
                    customer.etag,
                    customer.admin_password_hash,
                    customer.associated_partner_id
                ],
            )
            .map_err(map_err)?;
            let seq = tx.last_insert_rowid();
            for r in &customer.relations {
                tx.execute(
                    "INSERT INTO customer_partners (partner_id, customer_seq, role, delegated_access) VALUES (?1, ?2, ?3, ?4)",
                    params![r.partner_id, seq, r.role, r.delegated_access],
                )
                .map_err(map_err)?;
            }
            Ok(())
        })
        .await
    }
}
