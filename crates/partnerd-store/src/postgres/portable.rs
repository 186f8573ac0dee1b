//! Export and import on PostgreSQL.

use async_trait::async_trait;

use super::exec::{begin, commit, execute, query, query_one};
use super::rows::{self, from_json, get, to_json, PARTNER_COLUMNS};
use super::PostgresStore;
use crate::error::StoreResult;
use crate::model::{fold, ExportCustomer, ExportRelation, PartnerRecord};
use crate::PortableStore;

#[async_trait]
impl PortableStore for PostgresStore {
    async fn all_partners(&self) -> StoreResult<Vec<PartnerRecord>> {
        self.timed(async {
            let client = self.conn().await?;
            let sql = format!("SELECT {PARTNER_COLUMNS} FROM partners ORDER BY seq");
            query(&client, &sql, &[])
                .await?
                .iter()
                .map(rows::partner)
                .collect()
        })
        .await
    }

    async fn all_secrets(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        self.timed(async {
            let client = self.conn().await?;
            query(
                &client,
                "SELECT name, value FROM secrets ORDER BY name",
                &[],
            )
            .await?
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
            .collect()
        })
        .await
    }

    async fn export_customers(&self) -> StoreResult<Vec<ExportCustomer>> {
        self.timed(async {
            let client = self.conn().await?;
            let customers = query(
                &client,
                "SELECT seq, id, commerce_id, domain, custom_domains, company, billing, etag, \
                 admin_password_hash, associated_partner_id FROM customers ORDER BY seq",
                &[],
            )
            .await?;
            let mut out = Vec::with_capacity(customers.len());
            for row in &customers {
                let seq: i64 = get(row, 0)?;
                let relations = query(
                    &client,
                    "SELECT partner_id, role, delegated_access FROM customer_partners \
                     WHERE customer_seq = $1 ORDER BY partner_id COLLATE \"C\"",
                    &[&seq],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(ExportRelation {
                        partner_id: get(r, 0)?,
                        role: get(r, 1)?,
                        delegated_access: get(r, 2)?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                let domains: String = get(row, 4)?;
                let company: String = get(row, 5)?;
                let billing: String = get(row, 6)?;
                out.push(ExportCustomer {
                    id: get(row, 1)?,
                    commerce_id: get(row, 2)?,
                    domain: get(row, 3)?,
                    custom_domains: from_json("domains", &domains)?,
                    company: from_json("company", &company)?,
                    billing: from_json("billing", &billing)?,
                    etag: get(row, 7)?,
                    admin_password_hash: get(row, 8)?,
                    associated_partner_id: get(row, 9)?,
                    relations,
                    records: Vec::new(),
                    domains: Vec::new(),
                });
            }
            Ok(out)
        })
        .await
    }

    async fn import_customers(&self, customers: Vec<ExportCustomer>) -> StoreResult<()> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            for customer in &customers {
                let name_fold =
                    fold(customer.company.company_name.as_deref().unwrap_or_default());
                let row = query_one(
                    &tx,
                    "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, \
                     company, billing, etag, admin_password_hash, associated_partner_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
                    &[
                        &customer.id,
                        &customer.commerce_id,
                        &customer.domain,
                        &name_fold,
                        &to_json(&customer.custom_domains)?,
                        &to_json(&customer.company)?,
                        &to_json(&customer.billing)?,
                        &customer.etag,
                        &customer.admin_password_hash,
                        &customer.associated_partner_id,
                    ],
                )
                .await?;
                let seq: i64 = get(&row, 0)?;
                for r in &customer.relations {
                    execute(
                        &tx,
                        "INSERT INTO customer_partners (partner_id, customer_seq, role, \
                         delegated_access, company_name_fold, domain) VALUES ($1, $2, $3, $4, $5, $6)",
                        &[
                            &r.partner_id,
                            &seq,
                            &r.role,
                            &r.delegated_access,
                            &name_fold,
                            &customer.domain,
                        ],
                    )
                    .await?;
                }
            }
            commit(tx).await
        })
        .await
    }
}
