//! A customer's documents, qualifications, added domains and partners' validation codes on
//! PostgreSQL. Writes to a customer's documents lock the customer's row first, so they
//! serialise with each other and with relationship removal; domain names are serialised by an
//! advisory lock on the name, shared with customer creation.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use partnerd_wire::VerifiedDomain;

use super::exec::{begin, commit, execute, query, query_opt};
use super::idempotency::complete_in;
use super::rows::{get, to_json};
use super::PostgresStore;
use crate::error::{parse_stored, StoreError, StoreResult};
use crate::ids::*;
use crate::lifecycle::{
    decide_qualification, CustomerRecord, GccValidationRecord, QualificationRecord, RecordKind,
    ValidationCodeRecord,
};
use crate::model::Completion;
use crate::LifecycleStore;

/// The customer's sequence number; with `lock`, its row stays locked until the transaction
/// ends.
async fn seq_of<C: GenericClient>(c: &C, customer_id: &CustomerId, lock: bool) -> StoreResult<i64> {
    let sql = if lock {
        "SELECT seq FROM customers WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT seq FROM customers WHERE id = $1"
    };
    match query_opt(c, sql, &[&customer_id]).await? {
        Some(row) => get(&row, 0),
        None => Err(StoreError::CustomerNotFound),
    }
}

/// The customer's records of `kind`, of one partner or all.
pub(super) async fn records<C: GenericClient>(
    c: &C,
    seq: i64,
    kind: RecordKind,
    partner: Option<&TenantId>,
) -> StoreResult<Vec<CustomerRecord>> {
    let partner = partner.map(TenantId::as_str);
    let rows = query(
        c,
        "SELECT key, partner_id, body FROM customer_records \
         WHERE customer_seq = $1 AND kind = $2 AND ($3::TEXT IS NULL OR partner_id = $3) ORDER BY key",
        &[&seq, &kind.as_str(), &partner],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CustomerRecord {
                kind,
                key: get(row, 0)?,
                partner_id: TenantId::from_stored(get(row, 1)?),
                body: parse_stored(get(row, 2)?)?,
            })
        })
        .collect()
}

async fn upsert<C: GenericClient>(c: &C, seq: i64, record: &CustomerRecord) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO customer_records (customer_seq, kind, key, partner_id, body) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (customer_seq, kind, key) DO UPDATE SET partner_id = EXCLUDED.partner_id, body = EXCLUDED.body",
        &[
            &seq,
            &record.kind.as_str(),
            &record.key,
            &record.partner_id,
            &record.body.to_string(),
        ],
    )
    .await?;
    Ok(())
}

const CODE_COLUMNS: &str =
    "validation_id, organization_name, max_creates, remaining_creates, changed_at";

fn code_row(row: &tokio_postgres::Row) -> StoreResult<ValidationCodeRecord> {
    let count = |idx: usize| -> StoreResult<u32> {
        let n: i64 = get(row, idx)?;
        u32::try_from(n)
            .map_err(|_| StoreError::Internal(format!("stored count {n} is out of range")))
    };
    Ok(ValidationCodeRecord {
        validation_id: get(row, 0)?,
        organization_name: get(row, 1)?,
        max_creates: count(2)?,
        remaining_creates: count(3)?,
        changed_at: get(row, 4)?,
    })
}

/// Stores a partner's validation code (insert or replace).
pub(super) async fn put_code<C: GenericClient>(
    c: &C,
    partner_id: &TenantId,
    code: &ValidationCodeRecord,
) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO validation_codes (partner_id, validation_id, organization_name, max_creates, remaining_creates, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (partner_id, validation_id) DO UPDATE SET \
         organization_name = EXCLUDED.organization_name, max_creates = EXCLUDED.max_creates, \
         remaining_creates = EXCLUDED.remaining_creates, changed_at = EXCLUDED.changed_at",
        &[
            &partner_id,
            &code.validation_id,
            &code.organization_name,
            &i64::from(code.max_creates),
            &i64::from(code.remaining_creates),
            &code.changed_at,
        ],
    )
    .await?;
    Ok(())
}

/// Serialises every transaction that claims the (lower-case) domain `name` until it ends.
pub(super) async fn lock_domain<C: GenericClient>(c: &C, name: &str) -> StoreResult<()> {
    execute(
        c,
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 5))",
        &[&name],
    )
    .await?;
    Ok(())
}

/// Whether a customer holds `name` as an added domain.
pub(super) async fn added_domain_taken<C: GenericClient>(c: &C, name: &str) -> StoreResult<bool> {
    Ok(query_opt(
        c,
        "SELECT 1 FROM customer_domains WHERE name = $1",
        &[&name],
    )
    .await?
    .is_some())
}

#[async_trait]
impl LifecycleStore for PostgresStore {
    async fn customer_records(
        &self,
        customer_id: &CustomerId,
        kind: RecordKind,
    ) -> StoreResult<Vec<CustomerRecord>> {
        self.timed(async {
            let c = self.conn().await?;
            let seq = seq_of(&c, customer_id, false).await?;
            records(&c, seq, kind, None).await
        })
        .await
    }

    async fn put_customer_record(
        &self,
        customer_id: &CustomerId,
        record: CustomerRecord,
        expected: Option<serde_json::Value>,
    ) -> StoreResult<bool> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let seq = seq_of(&tx, customer_id, true).await?;
            if let Some(expected) = expected {
                let current = query_opt(
                    &tx,
                    "SELECT body FROM customer_records WHERE customer_seq = $1 AND kind = $2 AND key = $3",
                    &[&seq, &record.kind.as_str(), &record.key],
                )
                .await?;
                match current {
                    Some(row) if parse_stored(get(&row, 0)?)? == expected => {}
                    _ => return Ok(false),
                }
            }
            upsert(&tx, seq, &record).await?;
            commit(tx).await?;
            Ok(true)
        })
        .await
    }

    async fn insert_customer_record(
        &self,
        customer_id: &CustomerId,
        record: CustomerRecord,
        completion: Option<Completion>,
    ) -> StoreResult<bool> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let seq = seq_of(&tx, customer_id, true).await?;
            let n = execute(
                &tx,
                "INSERT INTO customer_records (customer_seq, kind, key, partner_id, body) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (customer_seq, kind, key) DO NOTHING",
                &[
                    &seq,
                    &record.kind.as_str(),
                    &record.key,
                    &record.partner_id,
                    &record.body.to_string(),
                ],
            )
            .await?;
            if n == 0 {
                return Ok(false);
            }
            complete_in(&tx, completion, None).await?;
            commit(tx).await?;
            Ok(true)
        })
        .await
    }

    async fn delete_customer_record(
        &self,
        customer_id: &CustomerId,
        kind: RecordKind,
        key: &str,
    ) -> StoreResult<bool> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let seq = seq_of(&tx, customer_id, true).await?;
            let n = execute(
                &tx,
                "DELETE FROM customer_records WHERE customer_seq = $1 AND kind = $2 AND key = $3",
                &[&seq, &kind.as_str(), &key],
            )
            .await?;
            commit(tx).await?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_qualification(
        &self,
        partner_id: &TenantId,
        customer_id: &CustomerId,
        qualification: QualificationRecord,
        completion: Option<Completion>,
    ) -> StoreResult<()> {
        let now = self.clock.now_secs();
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let seq = seq_of(&tx, customer_id, true).await?;
            let existing = records(&tx, seq, RecordKind::Qualification, None)
                .await?
                .iter()
                .map(CustomerRecord::read)
                .collect::<StoreResult<Vec<QualificationRecord>>>()?;
            let current = match &qualification.validation_id {
                Some(id) => match query_opt(
                    &tx,
                    &format!(
                        "SELECT {CODE_COLUMNS} FROM validation_codes \
                         WHERE partner_id = $1 AND validation_id = $2 FOR UPDATE"
                    ),
                    &[&partner_id, id],
                )
                .await?
                {
                    Some(row) => Some(code_row(&row)?),
                    None => None,
                },
                None => None,
            };
            let used = decide_qualification(&existing, &qualification, current.as_ref(), now)
                .map_err(StoreError::Qualification)?;
            let record = CustomerRecord::of(
                RecordKind::Qualification,
                qualification.key(),
                partner_id.clone(),
                &qualification,
            )?;
            upsert(&tx, seq, &record).await?;
            if let Some(used) = used {
                put_code(&tx, partner_id, &used).await?;
                let link = GccValidationRecord {
                    validation_id: used.validation_id.clone(),
                    organization_name: used.organization_name.clone(),
                    created_at: now,
                };
                let record = CustomerRecord::of(
                    RecordKind::GccValidation,
                    "gcc",
                    partner_id.clone(),
                    &link,
                )?;
                upsert(&tx, seq, &record).await?;
            }
            complete_in(&tx, completion, None).await?;
            commit(tx).await
        })
        .await
    }

    async fn validation_codes(
        &self,
        partner_id: &TenantId,
    ) -> StoreResult<Vec<ValidationCodeRecord>> {
        self.timed(async {
            let rows = query(
                &self.conn().await?,
                &format!(
                    "SELECT {CODE_COLUMNS} FROM validation_codes WHERE partner_id = $1 ORDER BY validation_id"
                ),
                &[&partner_id],
            )
            .await?;
            rows.iter().map(code_row).collect()
        })
        .await
    }

    async fn put_validation_code(
        &self,
        partner_id: &TenantId,
        code: ValidationCodeRecord,
    ) -> StoreResult<()> {
        self.timed(async {
            let c = self.conn().await?;
            let known = query_opt(
                &c,
                "SELECT 1 FROM partners WHERE tenant_id = $1",
                &[&partner_id],
            )
            .await?
            .is_some();
            if !known {
                return Err(StoreError::UnknownPartner(partner_id.to_string()));
            }
            put_code(&c, partner_id, &code).await
        })
        .await
    }

    async fn delete_validation_code(
        &self,
        partner_id: &TenantId,
        validation_id: &str,
    ) -> StoreResult<bool> {
        self.timed(async {
            let n = execute(
                &self.conn().await?,
                "DELETE FROM validation_codes WHERE partner_id = $1 AND validation_id = $2",
                &[&partner_id, &validation_id],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_domain(
        &self,
        customer_id: &CustomerId,
        domain: VerifiedDomain,
        completion: Option<Completion>,
    ) -> StoreResult<()> {
        self.timed(async {
            let name = domain
                .domain
                .name
                .as_deref()
                .unwrap_or_default()
                .to_lowercase();
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            lock_domain(&tx, &name).await?;
            let row = query_opt(
                &tx,
                "SELECT seq, custom_domains FROM customers WHERE id = $1 FOR UPDATE",
                &[&customer_id],
            )
            .await?
            .ok_or(StoreError::CustomerNotFound)?;
            let seq: i64 = get(&row, 0)?;
            let domains: String = get(&row, 1)?;
            let first_domain_taken =
                query_opt(&tx, "SELECT 1 FROM customers WHERE domain = $1", &[&name])
                    .await?
                    .is_some();
            if first_domain_taken || added_domain_taken(&tx, &name).await? {
                return Err(StoreError::DomainTaken);
            }
            execute(
                &tx,
                "INSERT INTO customer_domains (name, customer_seq, body) VALUES ($1, $2, $3)",
                &[&name, &seq, &to_json(&domain)?],
            )
            .await?;
            let mut list: Vec<String> = serde_json::from_str(&domains)
                .map_err(|e| StoreError::Internal(format!("stored domains are unreadable: {e}")))?;
            if !list.iter().any(|d| d.eq_ignore_ascii_case(&name)) {
                list.push(domain.domain.name.clone().unwrap_or_default());
            }
            execute(
                &tx,
                "UPDATE customers SET custom_domains = $1 WHERE seq = $2",
                &[&to_json(&list)?, &seq],
            )
            .await?;
            complete_in(&tx, completion, None).await?;
            commit(tx).await
        })
        .await
    }

    async fn customer_domains(&self, customer_id: &CustomerId) -> StoreResult<Vec<VerifiedDomain>> {
        self.timed(async {
            let c = self.conn().await?;
            let seq = seq_of(&c, customer_id, false).await?;
            let rows = query(
                &c,
                "SELECT body FROM customer_domains WHERE customer_seq = $1 ORDER BY name",
                &[&seq],
            )
            .await?;
            rows.iter()
                .map(|row| {
                    serde_json::from_str(get(row, 0)?).map_err(|e| {
                        StoreError::Internal(format!("stored domain is unreadable: {e}"))
                    })
                })
                .collect()
        })
        .await
    }
}
