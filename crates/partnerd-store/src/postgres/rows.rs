//! Reading rows into domain records.

use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

use super::map_err;
use crate::error::{StoreError, StoreResult};
use crate::model::*;

/// Column `idx` of a row, converted.
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> StoreResult<T> {
    row.try_get(idx).map_err(map_err)
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is unreadable: {e}"))
}

pub(super) const PARTNER_COLUMNS: &str = "tenant_id, name, mpn_id, kind, customer_cap, domain";

/// [`PARTNER_COLUMNS`] of the partners table aliased `p`.
pub(super) const P_PARTNER_COLUMNS: &str =
    "p.tenant_id, p.name, p.mpn_id, p.kind, p.customer_cap, p.domain";

/// A partner from [`PARTNER_COLUMNS`] at the start of a row.
pub(super) fn partner(row: &Row) -> StoreResult<PartnerRecord> {
    let kind: String = get(row, 3)?;
    let cap: i64 = get(row, 4)?;
    Ok(PartnerRecord {
        tenant_id: get(row, 0)?,
        name: get(row, 1)?,
        mpn_id: get(row, 2)?,
        kind: PartnerKind::parse(&kind).unwrap_or(PartnerKind::Sandbox),
        customer_cap: u32::try_from(cap).map_err(|e| corrupt("customer cap", e))?,
        domain: get(row, 5)?,
    })
}

pub(super) const APP_COLUMNS: &str = "client_id, tenant_id, name, secret_hash";

pub(super) fn app(row: &Row) -> StoreResult<AppRecord> {
    Ok(AppRecord {
        client_id: get(row, 0)?,
        tenant_id: get(row, 1)?,
        name: get(row, 2)?,
        secret_hash: get(row, 3)?,
    })
}

pub(super) const USER_COLUMNS: &str = "object_id, tenant_id, upn, password_hash, mfa";

/// A user from [`USER_COLUMNS`] starting at column `at`.
pub(super) fn user(row: &Row, at: usize) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        object_id: get(row, at)?,
        tenant_id: get(row, at + 1)?,
        upn: get(row, at + 2)?,
        password_hash: get(row, at + 3)?,
        mfa: get(row, at + 4)?,
    })
}

/// Columns of a customer joined with one partner's relationship row `r`.
pub(super) const CUSTOMER_COLUMNS: &str =
    "c.seq, c.id, c.commerce_id, c.domain, c.custom_domains, \
     c.company, c.billing, c.etag, c.associated_partner_id, r.role, r.delegated_access";

/// The customer as the partner of `r` sees it; `None` when that partner is unrelated.
pub(super) fn customer_view(row: &Row) -> StoreResult<Option<CustomerView>> {
    let Some(role) = get::<Option<String>>(row, 9)? else {
        return Ok(None);
    };
    let custom_domains: &str = get(row, 4)?;
    let company: &str = get(row, 5)?;
    let billing: &str = get(row, 6)?;
    Ok(Some(CustomerView {
        seq: get(row, 0)?,
        id: get(row, 1)?,
        commerce_id: get(row, 2)?,
        domain: get(row, 3)?,
        custom_domains: serde_json::from_str(custom_domains).map_err(|e| corrupt("domains", e))?,
        company: serde_json::from_str(company).map_err(|e| corrupt("company", e))?,
        billing: serde_json::from_str(billing).map_err(|e| corrupt("billing", e))?,
        etag: get(row, 7)?,
        associated_partner_id: get(row, 8)?,
        role: CustomerRole::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        delegated_access: get::<Option<bool>>(row, 10)?.unwrap_or(false),
    }))
}

/// A stored role.
pub(super) fn role(stored: &str) -> StoreResult<CustomerRole> {
    CustomerRole::parse(stored)
        .ok_or_else(|| StoreError::Internal(format!("stored role {stored} is unknown")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> StoreResult<T> {
    serde_json::from_str(json).map_err(|e| corrupt(what, e))
}
