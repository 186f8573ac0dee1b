//! A customer's documents, qualifications, added domains and partners' validation codes on
//! SQLite. Every write runs on the one writer, so each check-then-write is atomic.

use async_trait::async_trait;
use partnerd_wire::VerifiedDomain;
use rusqlite::{params, Connection, OptionalExtension};

use super::idempotency::complete_in;
use super::rows::to_json;
use super::{map_err, SqliteStore};
use crate::error::{parse_stored, StoreError, StoreResult};
use crate::ids::*;
use crate::lifecycle::{
    decide_qualification, CustomerRecord, GccValidationRecord, QualificationRecord, RecordKind,
    ValidationCodeRecord,
};
use crate::model::Completion;
use crate::LifecycleStore;

fn seq_of(c: &Connection, customer_id: &CustomerId) -> StoreResult<i64> {
    c.prepare_cached("SELECT seq FROM customers WHERE id = ?1")
        .and_then(|mut s| s.query_row([customer_id], |r| r.get(0)).optional())
        .map_err(map_err)?
        .ok_or(StoreError::CustomerNotFound)
}

/// The customer's records of `kind`, of one partner or all.
pub(super) fn records(
    c: &Connection,
    seq: i64,
    kind: RecordKind,
    partner: Option<&TenantId>,
) -> StoreResult<Vec<CustomerRecord>> {
    let mut s = c
        .prepare_cached(
            "SELECT key, partner_id, body FROM customer_records \
             WHERE customer_seq = ?1 AND kind = ?2 AND (?3 IS NULL OR partner_id = ?3) ORDER BY key",
        )
        .map_err(map_err)?;
    let rows: Vec<(String, String, String)> = s
        .query_map(params![seq, kind.as_str(), partner], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(map_err)?;
    rows.into_iter()
        .map(|(key, partner_id, body)| {
            Ok(CustomerRecord {
                kind,
                key,
                partner_id: TenantId::from_stored(partner_id),
                body: parse_stored(&body)?,
            })
        })
        .collect()
}

fn upsert(c: &Connection, seq: i64, record: &CustomerRecord) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO customer_records (customer_seq, kind, key, partner_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (customer_seq, kind, key) DO UPDATE SET partner_id = excluded.partner_id, body = excluded.body",
    )
    .and_then(|mut s| {
        s.execute(params![
            seq,
            record.kind.as_str(),
            record.key,
            record.partner_id,
            record.body.to_string()
        ])
    })
    .map_err(map_err)?;
    Ok(())
}

fn code(
    c: &Connection,
    partner_id: &TenantId,
    validation_id: &str,
) -> StoreResult<Option<ValidationCodeRecord>> {
    c.prepare_cached(
        "SELECT validation_id, organization_name, max_creates, remaining_creates, changed_at \
         FROM validation_codes WHERE partner_id = ?1 AND validation_id = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![partner_id, validation_id], code_row)
            .optional()
    })
    .map_err(map_err)
}

fn code_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ValidationCodeRecord> {
    Ok(ValidationCodeRecord {
        validation_id: r.get(0)?,
        organization_name: r.get(1)?,
        max_creates: r.get(2)?,
        remaining_creates: r.get(3)?,
        changed_at: r.get(4)?,
    })
}

/// Stores a partner's validation code (insert or replace).
pub(super) fn put_code(
    c: &Connection,
    partner_id: &TenantId,
    code: &ValidationCodeRecord,
) -> StoreResult<()> {
    c.prepare_cached(
        "INSERT INTO validation_codes (partner_id, validation_id, organization_name, max_creates, remaining_creates, changed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (partner_id, validation_id) DO UPDATE SET \
         organization_name = excluded.organization_name, max_creates = excluded.max_creates, \
         remaining_creates = excluded.remaining_creates, changed_at = excluded.changed_at",
    )
    .and_then(|mut s| {
        s.execute(params![
            partner_id,
            code.validation_id,
            code.organization_name,
            code.max_creates,
            code.remaining_creates,
            code.changed_at
        ])
    })
    .map_err(map_err)?;
    Ok(())
}

/// Whether a customer holds `name` as an added domain.
pub(super) fn added_domain_taken(c: &Connection, name: &str) -> StoreResult<bool> {
    c.prepare_cached("SELECT 1 FROM customer_domains WHERE name = ?1")
        .and_then(|mut s| s.exists([name]))
        .map_err(map_err)
}

#[async_trait]
impl LifecycleStore for SqliteStore {
    async fn customer_records(
        &self,
        customer_id: &CustomerId,
        kind: RecordKind,
    ) -> StoreResult<Vec<CustomerRecord>> {
        self.read(|c| records(c, seq_of(c, customer_id)?, kind, None))
    }

    async fn put_customer_record(
        &self,
        customer_id: &CustomerId,
        record: CustomerRecord,
        expected: Option<serde_json::Value>,
    ) -> StoreResult<bool> {
        let customer_id = customer_id.to_owned();
        self.write(move |tx| {
            let seq = seq_of(tx, &customer_id)?;
            if let Some(expected) = expected {
                let current: Option<String> = tx
                    .prepare_cached(
                        "SELECT body FROM customer_records WHERE customer_seq = ?1 AND kind = ?2 AND key = ?3",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![seq, record.kind.as_str(), record.key], |r| r.get(0))
                            .optional()
                    })
                    .map_err(map_err)?;
                match current {
                    Some(body) if parse_stored(&body)? == expected => {}
                    _ => return Ok(false),
                }
            }
            upsert(tx, seq, &record)?;
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
        let customer_id = customer_id.to_owned();
        self.write(move |tx| {
            let seq = seq_of(tx, &customer_id)?;
            let n = tx
                .prepare_cached(
                    "INSERT INTO customer_records (customer_seq, kind, key, partner_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (customer_seq, kind, key) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        seq,
                        record.kind.as_str(),
                        record.key,
                        record.partner_id,
                        record.body.to_string()
                    ])
                })
                .map_err(map_err)?;
            if n == 0 {
                return Ok(false);
            }
            complete_in(tx, completion, None)?;
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
        let (customer_id, key) = (customer_id.to_owned(), key.to_owned());
        self.write(move |tx| {
            let seq = seq_of(tx, &customer_id)?;
            let n = tx
                .execute(
                    "DELETE FROM customer_records WHERE customer_seq = ?1 AND kind = ?2 AND key = ?3",
                    params![seq, kind.as_str(), key],
                )
                .map_err(map_err)?;
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
        let (partner_id, customer_id) = (partner_id.to_owned(), customer_id.to_owned());
        let now = self.clock.now_secs();
        self.write(move |tx| {
            let seq = seq_of(tx, &customer_id)?;
            let existing = records(tx, seq, RecordKind::Qualification, None)?
                .iter()
                .map(CustomerRecord::read)
                .collect::<StoreResult<Vec<QualificationRecord>>>()?;
            let current = match &qualification.validation_id {
                Some(id) => code(tx, &partner_id, id)?,
                None => None,
            };
            let used = decide_qualification(&existing, &qualification, current.as_ref(), now)
                .map_err(StoreError::Qualification)?;
            upsert(
                tx,
                seq,
                &CustomerRecord::of(
                    RecordKind::Qualification,
                    qualification.key(),
                    partner_id.clone(),
                    &qualification,
                )?,
            )?;
            if let Some(used) = used {
                put_code(tx, &partner_id, &used)?;
                let link = GccValidationRecord {
                    validation_id: used.validation_id.clone(),
                    organization_name: used.organization_name.clone(),
                    created_at: now,
                };
                upsert(
                    tx,
                    seq,
                    &CustomerRecord::of(
                        RecordKind::GccValidation,
                        "gcc",
                        partner_id.clone(),
                        &link,
                    )?,
                )?;
            }
            complete_in(tx, completion, None)
        })
        .await
    }

    async fn validation_codes(
        &self,
        partner_id: &TenantId,
    ) -> StoreResult<Vec<ValidationCodeRecord>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT validation_id, organization_name, max_creates, remaining_creates, changed_at \
                 FROM validation_codes WHERE partner_id = ?1 ORDER BY validation_id",
            )
            .and_then(|mut s| s.query_map([partner_id], code_row)?.collect())
            .map_err(map_err)
        })
    }

    async fn put_validation_code(
        &self,
        partner_id: &TenantId,
        code: ValidationCodeRecord,
    ) -> StoreResult<()> {
        let partner_id = partner_id.to_owned();
        self.write(move |tx| {
            let known = tx
                .prepare_cached("SELECT 1 FROM partners WHERE tenant_id = ?1")
                .and_then(|mut s| s.exists([&partner_id]))
                .map_err(map_err)?;
            if !known {
                return Err(StoreError::UnknownPartner(partner_id.to_string()));
            }
            put_code(tx, &partner_id, &code)
        })
        .await
    }

    async fn delete_validation_code(
        &self,
        partner_id: &TenantId,
        validation_id: &str,
    ) -> StoreResult<bool> {
        let (partner_id, validation_id) = (partner_id.to_owned(), validation_id.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM validation_codes WHERE partner_id = ?1 AND validation_id = ?2",
                    params![partner_id, validation_id],
                )
                .map_err(map_err)?;
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
        let key = customer_id.to_owned();
        let customer_id = customer_id.to_owned();
        let body = to_json(&domain)?;
        let result = self
            .write(move |tx| {
                let name = domain
                    .domain
                    .name
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase();
                let (seq, domains): (i64, String) = tx
                    .prepare_cached("SELECT seq, custom_domains FROM customers WHERE id = ?1")
                    .and_then(|mut s| {
                        s.query_row([&customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(map_err)?
                    .ok_or(StoreError::CustomerNotFound)?;
                let first_domain_taken = tx
                    .prepare_cached("SELECT 1 FROM customers WHERE domain = ?1")
                    .and_then(|mut s| s.exists([&name]))
                    .map_err(map_err)?;
                if first_domain_taken || added_domain_taken(tx, &name)? {
                    return Err(StoreError::DomainTaken);
                }
                tx.prepare_cached(
                    "INSERT INTO customer_domains (name, customer_seq, body) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![name, seq, body]))
                .map_err(map_err)?;
                let mut list: Vec<String> = serde_json::from_str(&domains).map_err(|e| {
                    StoreError::Internal(format!("stored domains are unreadable: {e}"))
                })?;
                if !list.iter().any(|d| d.eq_ignore_ascii_case(&name)) {
                    list.push(domain.domain.name.clone().unwrap_or_default());
                }
                let list = to_json(&list)?;
                tx.prepare_cached("UPDATE customers SET custom_domains = ?1 WHERE seq = ?2")
                    .and_then(|mut s| s.execute(params![list, seq]))
                    .map_err(map_err)?;
                complete_in(tx, completion, None)
            })
            .await;
        self.billing.invalidate(&key);
        result
    }

    async fn customer_domains(&self, customer_id: &CustomerId) -> StoreResult<Vec<VerifiedDomain>> {
        self.read(|c| {
            let seq = seq_of(c, customer_id)?;
            let bodies: Vec<String> = c
                .prepare_cached(
                    "SELECT body FROM customer_domains WHERE customer_seq = ?1 ORDER BY name",
                )
                .and_then(|mut s| s.query_map([seq], |r| r.get(0))?.collect())
                .map_err(map_err)?;
            bodies
                .iter()
                .map(|b| {
                    serde_json::from_str(b).map_err(|e| {
                        StoreError::Internal(format!("stored domain is unreadable: {e}"))
                    })
                })
                .collect()
        })
    }
}
