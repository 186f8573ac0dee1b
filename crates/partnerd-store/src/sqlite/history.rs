//! Request history and server-wide documents on SQLite.

use async_trait::async_trait;
use rusqlite::params;

use super::{map_err, SqliteStore};
use crate::error::{parse_stored, StoreError, StoreResult};
use crate::history::{
    chunks_needed, newest, DailyAdoption, PartnerBatch, RequestKind, RequestRecord, DAY_MS,
};
use crate::ids::TenantId;
use crate::{DocumentStore, HistoryStore};

const COLUMNS: &str = "partner_id, kind, at_ms, request_id, correlation_id, operation, source_ip, \
                       object_id, tenant_id, upn, application_id, mfa";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(RequestRecord, String)> {
    let kind: String = r.get(1)?;
    Ok((
        RequestRecord {
            partner_id: TenantId::from_stored(r.get(0)?),
            kind: RequestKind::Api,
            at_ms: r.get(2)?,
            request_id: r.get(3)?,
            correlation_id: r.get(4)?,
            operation: r.get(5)?,
            source_ip: r.get(6)?,
            object_id: r.get(7)?,
            tenant_id: r.get(8)?,
            upn: r.get(9)?,
            application_id: r.get(10)?,
            mfa: r.get(11)?,
        },
        kind,
    ))
}

#[async_trait]
impl HistoryStore for SqliteStore {
    async fn record_history(&self, plan: Vec<PartnerBatch>) -> StoreResult<()> {
        if plan.is_empty() {
            return Ok(());
        }
        self.write(move |tx| {
            for p in &plan {
                if let Some(c) = &p.chunk {
                    tx.prepare_cached(
                        "INSERT INTO request_chunks (partner_id, first_at_ms, last_at_ms, row_count, body) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![p.partner_id, c.first_at_ms, c.last_at_ms, c.rows, c.body])
                    })
                    .map_err(map_err)?;
                }
                let mut single = tx
                    .prepare_cached(&format!(
                        "INSERT INTO request_history ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    ))
                    .map_err(map_err)?;
                for r in &p.singles {
                    single
                        .execute(params![
                            r.partner_id,
                            r.kind.as_str(),
                            r.at_ms,
                            r.request_id,
                            r.correlation_id,
                            r.operation,
                            r.source_ip,
                            r.object_id,
                            r.tenant_id,
                            r.upn,
                            r.application_id,
                            r.mfa
                        ])
                        .map_err(map_err)?;
                }
                let mut count = tx
                    .prepare_cached(
                        "INSERT INTO request_daily (partner_id, day, application_id, mfa_requests, requests) \
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (partner_id, day, application_id) DO UPDATE SET \
                         mfa_requests = mfa_requests + excluded.mfa_requests, requests = requests + excluded.requests",
                    )
                    .map_err(map_err)?;
                for (day, app, mfa, all) in &p.daily {
                    count
                        .execute(params![p.partner_id, day, app, mfa, all])
                        .map_err(map_err)?;
                }
            }
            Ok(())
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
        let limit = limit as usize;
        self.read(|c| {
            // Sign-ins and requests without MFA are single rows.
            let singles_kind = match (without_mfa, kind) {
                (true, k) => k,
                (false, Some(RequestKind::Api)) => None,
                (false, _) => Some(RequestKind::SignIn),
            };
            let singles = if without_mfa || kind != Some(RequestKind::Api) {
                let mut s = c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM request_history WHERE partner_id = ?1 AND at_ms >= ?2 \
                         AND (?3 IS NULL OR kind = ?3) AND (?4 = 0 OR mfa = 0) \
                         ORDER BY at_ms DESC, seq DESC LIMIT ?5"
                    ))
                    .map_err(map_err)?;
                let rows: Vec<(RequestRecord, String)> = s
                    .query_map(
                        params![partner_id, since_ms, singles_kind.map(RequestKind::as_str), without_mfa, limit],
                        row,
                    )
                    .and_then(|rows| rows.collect())
                    .map_err(map_err)?;
                rows.into_iter()
                    .map(|(mut r, kind)| {
                        r.kind = RequestKind::parse(&kind).ok_or_else(|| {
                            StoreError::Internal(format!("stored request kind {kind} is unknown"))
                        })?;
                        Ok(r)
                    })
                    .collect::<StoreResult<Vec<_>>>()?
            } else {
                Vec::new()
            };
            if without_mfa || kind == Some(RequestKind::SignIn) {
                return Ok(singles);
            }
            let meta: Vec<(i64, i64, i64, i64)> = c
                .prepare_cached(
                    "SELECT seq, first_at_ms, last_at_ms, row_count FROM request_chunks \
                     WHERE partner_id = ?1 AND last_at_ms >= ?2 ORDER BY last_at_ms DESC, seq DESC",
                )
                .and_then(|mut s| {
                    s.query_map(params![partner_id, since_ms], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect()
                })
                .map_err(map_err)?;
            let spans: Vec<(i64, i64, i64)> = meta.iter().map(|m| (m.1, m.2, m.3)).collect();
            let mut body = c
                .prepare_cached("SELECT body FROM request_chunks WHERE seq = ?1")
                .map_err(map_err)?;
            let bodies = chunks_needed(&spans, limit)
                .into_iter()
                .map(|i| body.query_row([meta[i].0], |r| r.get(0)).map_err(map_err))
                .collect::<StoreResult<Vec<String>>>()?;
            let singles = singles
                .into_iter()
                .filter(|r| r.kind == RequestKind::SignIn)
                .collect();
            newest(&bodies, singles, since_ms, limit)
        })
    }

    async fn daily_adoption(
        &self,
        partner_id: &TenantId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<DailyAdoption>> {
        let (from, to) = (from_ms.div_euclid(DAY_MS), to_ms.div_euclid(DAY_MS));
        self.read(|c| {
            c.prepare_cached(
                "SELECT day, application_id, mfa_requests, requests FROM request_daily \
                 WHERE partner_id = ?1 AND day >= ?2 AND day < ?3 ORDER BY day, application_id",
            )
            .and_then(|mut s| {
                s.query_map(params![partner_id, from, to], |r| {
                    Ok(DailyAdoption {
                        day: r.get(0)?,
                        application_id: r.get(1)?,
                        mfa_requests: r.get(2)?,
                        requests: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(map_err)
        })
    }

    async fn prune_requests(&self, before_ms: i64) -> StoreResult<u64> {
        self.write(move |tx| {
            let partners = "partner_id IN (SELECT tenant_id FROM partners)";
            let singles = tx
                .execute(
                    &format!("DELETE FROM request_history WHERE {partners} AND at_ms < ?1"),
                    [before_ms],
                )
                .map_err(map_err)?;
            let chunked: i64 = tx
                .query_row(
                    &format!(
                        "SELECT COALESCE(SUM(row_count), 0) FROM request_chunks WHERE {partners} AND last_at_ms < ?1"
                    ),
                    [before_ms],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            tx.execute(
                &format!("DELETE FROM request_chunks WHERE {partners} AND last_at_ms < ?1"),
                [before_ms],
            )
            .map_err(map_err)?;
            tx.execute(
                "DELETE FROM request_daily WHERE day < ?1",
                [before_ms.div_euclid(DAY_MS)],
            )
            .map_err(map_err)?;
            Ok(singles as u64 + chunked.max(0) as u64)
        })
        .await
    }
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn documents(&self, kind: &str) -> StoreResult<Vec<(String, serde_json::Value)>> {
        self.read(|c| {
            let rows: Vec<(String, String)> = c
                .prepare_cached("SELECT key, body FROM documents WHERE kind = ?1 ORDER BY key")
                .and_then(|mut s| {
                    s.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect()
                })
                .map_err(map_err)?;
            rows.into_iter()
                .map(|(k, b)| Ok((k, parse_stored(&b)?)))
                .collect()
        })
    }

    async fn put_document(
        &self,
        kind: &str,
        key: &str,
        body: serde_json::Value,
    ) -> StoreResult<()> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO documents (kind, key, body) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body",
                params![kind, key, body.to_string()],
            )
            .map_err(map_err)?;
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
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "INSERT INTO documents (kind, key, body) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (kind, key) DO NOTHING",
                    params![kind, key, body.to_string()],
                )
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_document(&self, kind: &str, key: &str) -> StoreResult<bool> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "DELETE FROM documents WHERE kind = ?1 AND key = ?2",
                    params![kind, key],
                )
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }
}
