//! Request history and server-wide documents on PostgreSQL.

use async_trait::async_trait;

use super::exec::{begin, commit, execute, query};
use super::rows::get;
use super::PostgresStore;
use crate::error::{parse_stored, StoreError, StoreResult};
use crate::history::{
    chunks_needed, newest, DailyAdoption, PartnerBatch, RequestKind, RequestRecord, DAY_MS,
};
use crate::ids::TenantId;
use crate::{DocumentStore, HistoryStore};

const COLUMNS: &str = "partner_id, kind, at_ms, request_id, correlation_id, operation, source_ip, \
                       object_id, tenant_id, upn, application_id, mfa";

fn count(row: &tokio_postgres::Row, idx: usize) -> StoreResult<u64> {
    let n: i64 = get(row, idx)?;
    u64::try_from(n).map_err(|_| StoreError::Internal(format!("count {n} is negative")))
}

fn single_row(r: &tokio_postgres::Row) -> StoreResult<RequestRecord> {
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
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl HistoryStore for PostgresStore {
    async fn record_history(&self, plan: Vec<PartnerBatch>) -> StoreResult<()> {
        if plan.is_empty() {
            return Ok(());
        }
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let single = format!(
                "INSERT INTO request_history ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            );
            for p in &plan {
                if let Some(c) = &p.chunk {
                    execute(
                        &tx,
                        "INSERT INTO request_chunks (partner_id, first_at_ms, last_at_ms, row_count, body) \
                         VALUES ($1, $2, $3, $4, $5)",
                        &[&p.partner_id, &c.first_at_ms, &c.last_at_ms, &c.rows, &c.body],
                    )
                    .await?;
                }
                for r in &p.singles {
                    execute(
                        &tx,
                        &single,
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
                for (day, app, mfa, all) in &p.daily {
                    execute(
                        &tx,
                        "INSERT INTO request_daily (partner_id, day, application_id, mfa_requests, requests) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner_id, day, application_id) DO UPDATE SET \
                         mfa_requests = request_daily.mfa_requests + EXCLUDED.mfa_requests, \
                         requests = request_daily.requests + EXCLUDED.requests",
                        &[&p.partner_id, day, app, &signed(*mfa), &signed(*all)],
                    )
                    .await?;
                }
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
        let limit_rows = limit as usize;
        self.timed(async {
            let c = self.conn().await?;
            let singles_kind = match (without_mfa, kind) {
                (true, k) => k,
                (false, Some(RequestKind::Api)) => None,
                (false, _) => Some(RequestKind::SignIn),
            };
            let singles = if without_mfa || kind != Some(RequestKind::Api) {
                let kind_text = singles_kind.map(RequestKind::as_str);
                query(
                    &c,
                    &format!(
                        "SELECT {COLUMNS} FROM request_history WHERE partner_id = $1 AND at_ms >= $2 \
                         AND ($3::TEXT IS NULL OR kind = $3) AND (NOT $4 OR NOT mfa) \
                         ORDER BY at_ms DESC, seq DESC LIMIT $5"
                    ),
                    &[&partner_id, &since_ms, &kind_text, &without_mfa, &i64::from(limit)],
                )
                .await?
                .iter()
                .map(single_row)
                .collect::<StoreResult<Vec<_>>>()?
            } else {
                Vec::new()
            };
            if without_mfa || kind == Some(RequestKind::SignIn) {
                return Ok(singles);
            }
            let meta = query(
                &c,
                "SELECT seq, first_at_ms, last_at_ms, row_count FROM request_chunks \
                 WHERE partner_id = $1 AND last_at_ms >= $2 ORDER BY last_at_ms DESC, seq DESC",
                &[&partner_id, &since_ms],
            )
            .await?;
            let mut spans = Vec::with_capacity(meta.len());
            let mut seqs = Vec::with_capacity(meta.len());
            for m in &meta {
                seqs.push(get::<i64>(m, 0)?);
                spans.push((get(m, 1)?, get(m, 2)?, get(m, 3)?));
            }
            let wanted: Vec<i64> = chunks_needed(&spans, limit_rows)
                .into_iter()
                .map(|i| seqs[i])
                .collect();
            let bodies = query(
                &c,
                "SELECT body FROM request_chunks WHERE seq = ANY($1)",
                &[&wanted],
            )
            .await?
            .iter()
            .map(|r| get::<String>(r, 0))
            .collect::<StoreResult<Vec<_>>>()?;
            let singles = singles
                .into_iter()
                .filter(|r| r.kind == RequestKind::SignIn)
                .collect();
            newest(&bodies, singles, since_ms, limit_rows)
        })
        .await
    }

    async fn daily_adoption(
        &self,
        partner_id: &TenantId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<DailyAdoption>> {
        let (from, to) = (from_ms.div_euclid(DAY_MS), to_ms.div_euclid(DAY_MS));
        self.timed(async {
            let rows = query(
                &self.conn().await?,
                "SELECT day, application_id, mfa_requests, requests FROM request_daily \
                 WHERE partner_id = $1 AND day >= $2 AND day < $3 ORDER BY day, application_id",
                &[&partner_id, &from, &to],
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
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let partners = "partner_id IN (SELECT tenant_id FROM partners)";
            let singles = execute(
                &tx,
                &format!("DELETE FROM request_history WHERE {partners} AND at_ms < $1"),
                &[&before_ms],
            )
            .await?;
            let chunked = query(
                &tx,
                &format!(
                    "DELETE FROM request_chunks WHERE {partners} AND last_at_ms < $1 RETURNING row_count"
                ),
                &[&before_ms],
            )
            .await?
            .iter()
            .map(|r| get::<i64>(r, 0))
            .sum::<StoreResult<i64>>()?;
            execute(
                &tx,
                "DELETE FROM request_daily WHERE day < $1",
                &[&before_ms.div_euclid(DAY_MS)],
            )
            .await?;
            commit(tx).await?;
            Ok(singles + u64::try_from(chunked).unwrap_or(0))
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
                .map(|r| Ok((get(r, 0)?, parse_stored(get(r, 1)?)?)))
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
