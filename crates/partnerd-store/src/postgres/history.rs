//! Request history and server-wide documents on PostgreSQL.

use async_trait::async_trait;

use super::exec::{begin, commit, execute, query};
use super::rows::get;
use super::PostgresStore;
use crate::error::{StoreError, StoreResult};
use crate::history::{DailyAdoption, RequestKind, RequestRecord};
use crate::ids::TenantId;
use crate::{DocumentStore, HistoryStore};

const COLUMNS: &str = "partner_id, kind, at_ms, request_id, correlation_id, operation, source_ip, \
                       object_id, tenant_id, upn, application_id, mfa";

fn parse_body(body: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::Internal(format!("stored document is unreadable: {e}")))
}

fn count(row: &tokio_postgres::Row, idx: usize) -> StoreResult<u64> {
    let n: i64 = get(row, idx)?;
    u64::try_from(n).map_err(|_| StoreError::Internal(format!("count {n} is negative")))
}

#[async_trait]
impl HistoryStore for PostgresStore {
    async fn record_requests(&self, batch: Vec<RequestRecord>) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let sql = format!(
                "INSERT INTO request_history ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            );
            for r in &batch {
                execute(
                    &tx,
                    &sql,
                    &[
                        &r.partner_id,
                        &r.kind.as_str(),
                        &r.at_ms,
                        &r.request_id,
                        &r.correlation_id,
                        &r.operation,
                        &r.source_ip,
                        &r.object_id,
                        &r.tenant_id,
                        &r.upn,
                        &r.application_id,
                        &r.mfa,
                    ],
                )
                .await?;
            }
            commit(tx).await
        })
        .await
    }

    async fn requests(
        &self,
        partner_id: &TenantId,
        since_ms: i64,
        kind: Option<RequestKind>,
        without_mfa: bool,
        limit: u32,
    ) -> StoreResult<Vec<RequestRecord>> {
        let kind = kind.map(RequestKind::as_str);
        self.timed(async {
            let rows = query(
                &self.conn().await?,
                &format!(
                    "SELECT {COLUMNS} FROM request_history WHERE partner_id = $1 AND at_ms >= $2 \
                     AND ($3::TEXT IS NULL OR kind = $3) AND (NOT $4 OR NOT mfa) \
                     ORDER BY at_ms DESC, seq DESC LIMIT $5"
                ),
                &[
                    &partner_id,
                    &since_ms,
                    &kind,
                    &without_mfa,
                    &i64::from(limit),
                ],
            )
            .await?;
            rows.iter()
                .map(|r| {
                    let kind: String = get(r, 1)?;
                    Ok(RequestRecord {
                        partner_id: TenantId::from_stored(get(r, 0)?),
                        kind: RequestKind::parse(&kind).ok_or_else(|| {
                            StoreError::Internal(format!("stored request kind {kind} is unknown"))
                        })?,
                        at_ms: get(r, 2)?,
                        request_id: get(r, 3)?,
                        correlation_id: get(r, 4)?,
                        operation: get(r, 5)?,
                        source_ip: get(r, 6)?,
                        object_id: get(r, 7)?,
                        tenant_id: get(r, 8)?,
                        upn: get(r, 9)?,
                        application_id: get(r, 10)?,
                        mfa: get(r, 11)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn daily_adoption(
        &self,
        partner_id: &TenantId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<DailyAdoption>> {
        self.timed(async {
            let rows = query(
                &self.conn().await?,
                "SELECT at_ms / 86400000 AS day, application_id, \
                 COUNT(*) FILTER (WHERE mfa), COUNT(*) FROM request_history \
                 WHERE partner_id = $1 AND kind = 'api' AND at_ms >= $2 AND at_ms < $3 \
                 GROUP BY day, application_id ORDER BY day, application_id",
                &[&partner_id, &from_ms, &to_ms],
            )
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(DailyAdoption {
                        day: get(r, 0)?,
                        application_id: get(r, 1)?,
                        mfa_requests: count(r, 2)?,
                        requests: count(r, 3)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn prune_requests(&self, before_ms: i64) -> StoreResult<u64> {
        self.timed(async {
            execute(
                &self.conn().await?,
                "DELETE FROM request_history WHERE at_ms < $1",
                &[&before_ms],
            )
            .await
        })
        .await
    }
}

#[async_trait]
impl DocumentStore for PostgresStore {
    async fn documents(&self, kind: &str) -> StoreResult<Vec<(String, serde_json::Value)>> {
        self.timed(async {
            let rows = query(
                &self.conn().await?,
                "SELECT key, body FROM documents WHERE kind = $1 ORDER BY key",
                &[&kind],
            )
            .await?;
            rows.iter()
                .map(|r| Ok((get(r, 0)?, parse_body(get(r, 1)?)?)))
                .collect()
        })
        .await
    }

    async fn put_document(
        &self,
        kind: &str,
        key: &str,
        body: serde_json::Value,
    ) -> StoreResult<()> {
        self.timed(async {
            execute(
                &self.conn().await?,
                "INSERT INTO documents (kind, key, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (kind, key) DO UPDATE SET body = EXCLUDED.body",
                &[&kind, &key, &body.to_string()],
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn insert_document(
        &self,
        kind: &str,
        key: &str,
        body: serde_json::Value,
    ) -> StoreResult<bool> {
        self.timed(async {
            let n = execute(
                &self.conn().await?,
                "INSERT INTO documents (kind, key, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (kind, key) DO NOTHING",
                &[&kind, &key, &body.to_string()],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_document(&self, kind: &str, key: &str) -> StoreResult<bool> {
        self.timed(async {
            let n = execute(
                &self.conn().await?,
                "DELETE FROM documents WHERE kind = $1 AND key = $2",
                &[&kind, &key],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }
}
