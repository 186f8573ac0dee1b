//! Reading rows into domain records.

use rusqlite::Row;

use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::model::*;

pub(super) const PARTNER_COLUMNS: &str = "tenant_id, name, mpn_id, kind, customer_cap, domain";

pub(super) fn partner(row: &Row<'_>) -> rusqlite::Result<PartnerRecord> {
    let kind: String = row.get(3)?;
    Ok(PartnerRecord {
        tenant_id: row.get(0)?,
        name: row.get(1)?,
        mpn_id: row.get(2)?,
        kind: PartnerKind::parse(&kind).unwrap_or(PartnerKind::Sandbox),
        customer_cap: row.get(4)?,
        domain: row.get(5)?,
    })
}

pub(super) const APP_COLUMNS: &str = "client_id, tenant_id, name, secret_hash";

pub(super) fn app(row: &Row<'_>) -> rusqlite::Result<AppRecord> {
    Ok(AppRecord {
        client_id: row.get(0)?,
        tenant_id: row.get(1)?,
        name: row.get(2)?,
        secret_hash: row.get(3)?,
    })
}

pub(super) const USER_COLUMNS: &str = "object_id, tenant_id, upn, password_hash, mfa";

pub(super) fn user(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        object_id: row.get(0)?,
        tenant_id: row.get(1)?,
        upn: row.get(2)?,
        password_hash: row.get(3)?,
        mfa: row.get(4)?,
    })
}

/// Columns of a customer joined with one partner's relationship row `r`.
pub(super) const CUSTOMER_COLUMNS: &str =
    "c.seq, c.id, c.commerce_id, c.domain, c.custom_domains, \
     c.company, c.billing, c.etag, c.associated_partner_id, r.role, r.delegated_access";

/// Raw columns; JSON parsing happens outside rusqlite's error type.
pub(super) struct CustomerRow {
    seq: i64,
    id: CustomerId,
    commerce_id: String,
    domain: String,
    custom_domains: String,
    company: String,
    billing: String,
    etag: i64,
    associated_partner_id: Option<TenantId>,
    role: Option<String>,
    delegated_access: Option<bool>,
}

pub(super) fn customer_row(row: &Row<'_>) -> rusqlite::Result<CustomerRow> {
    Ok(CustomerRow {
        seq: row.get(0)?,
        id: row.get(1)?,
        commerce_id: row.get(2)?,
        domain: row.get(3)?,
        custom_domains: row.get(4)?,
        company: row.get(5)?,
        billing: row.get(6)?,
        etag: row.get(7)?,
        associated_partner_id: row.get(8)?,
        role: row.get(9)?,
        delegated_access: row.get(10)?,
    })
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is unreadable: {e}"))
}

impl CustomerRow {
    /// The customer as its related partner sees it; `None` when the partner is unrelated.
    pub(super) fn into_view(self) -> StoreResult<Option<CustomerView>> {
        let Some(role) = self.role else {
            return Ok(None);
        };
        Ok(Some(CustomerView {
            seq: self.seq,
            id: self.id,
            commerce_id: self.commerce_id,
            domain: self.domain,
            custom_domains: serde_json::from_str(&self.custom_domains)
                .map_err(|e| corrupt("domains", e))?,
            company: serde_json::from_str(&self.company).map_err(|e| corrupt("company", e))?,
            billing: serde_json::from_str(&self.billing).map_err(|e| corrupt("billing", e))?,
            etag: self.etag,
            associated_partner_id: self.associated_partner_id,
            role: CustomerRole::parse(&role).ok_or_else(|| corrupt("role", &role))?,
            delegated_access: self.delegated_access.unwrap_or(false),
        }))
    }
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}
