//! Idempotency records on SQLite.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{map_err, SqliteStore};
use crate::error::{StoreError, StoreResult};
use crate::model::{Completion, CustomerView, Lease, Reservation, StoredResponse};
use crate::reservation::{decide_reservation, existing_record, ReserveDecision};
use crate::IdempotencyStore;

/// Marks a reservation complete with its response; false if the lease is no longer held.
fn store_response(c: &Connection, lease: &Lease, response: &StoredResponse) -> StoreResult<bool> {
    let headers = serde_json::to_string(&response.headers)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let n = c
        .prepare_cached(
            "UPDATE idempotency SET state = 'complete', status = ?4, headers = ?5, body = ?6 \
             WHERE partner_id = ?1 AND request_id = ?2 AND lease = ?3 AND state = 'pending'",
        )
        .and_then(|mut s| {
            s.execute(params![
                lease.key.partner_id,
                lease.key.request_id,
                lease.token,
                response.status,
                headers,
                response.body
            ])
        })
        .map_err(map_err)?;
    Ok(n > 0)
}

/// Stores a completion inside a write's transaction (see `CustomerStore`).
pub(super) fn complete_in(
    c: &Connection,
    completion: Option<Completion>,
    view: Option<&CustomerView>,
) -> StoreResult<()> {
    let Some(completion) = completion else {
        return Ok(());
    };
    let response = (completion.render)(view);
    if store_response(c, &completion.lease, &response)? {
        Ok(())
    } else {
        Err(StoreError::Unavailable(
            "the idempotency lease lapsed before the write committed".to_owned(),
        ))
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn reserve(
        &self,
        lease: &Lease,
        fingerprint: &str,
        lease_secs: i64,
        keep_secs: i64,
    ) -> StoreResult<Reservation> {
        let lease = lease.clone();
        let fingerprint = fingerprint.to_owned();
        let now = self.clock.now_secs();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM idempotency WHERE expires_at < ?1")
                .and_then(|mut s| s.execute([now]))
                .map_err(map_err)?;
            let existing = tx
                .prepare_cached(
                    "SELECT fingerprint, state, lease_until, status, headers, body FROM idempotency \
                     WHERE partner_id = ?1 AND request_id = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![lease.key.partner_id, lease.key.request_id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, Option<u16>>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<Vec<u8>>>(5)?,
                        ))
                    })
                    .optional()
                })
                .map_err(map_err)?
                .map(|(fingerprint, state, lease_until, status, headers, body)| {
                    existing_record(fingerprint, &state, lease_until, status, headers, body)
                })
                .transpose()?;
            match existing.map(|e| decide_reservation(e, &fingerprint, now)) {
                Some(ReserveDecision::Answer(reservation)) => Ok(reservation),
                Some(ReserveDecision::TakeOver) => {
                    tx.execute(
                        "UPDATE idempotency SET lease = ?3, lease_until = ?4, node = ?5 \
                         WHERE partner_id = ?1 AND request_id = ?2",
                        params![
                            lease.key.partner_id,
                            lease.key.request_id,
                            lease.token,
                            now + lease_secs,
                            lease.node
                        ],
                    )
                    .map_err(map_err)?;
                    Ok(Reservation::Acquired)
                }
                None => {
                    tx.execute(
                        "INSERT INTO idempotency (partner_id, request_id, fingerprint, state, lease, lease_until, expires_at, node) \
                         VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7)",
                        params![
                            lease.key.partner_id,
                            lease.key.request_id,
                            fingerprint,
                            lease.token,
                            now + lease_secs,
                            now + keep_secs,
                            lease.node
                        ],
                    )
                    .map_err(map_err)?;
                    Ok(Reservation::Acquired)
                }
            }
        })
        .await
    }

    async fn complete(&self, lease: &Lease, response: StoredResponse) -> StoreResult<bool> {
        let lease = lease.clone();
        self.write(move |tx| store_response(tx, &lease, &response))
            .await
    }

    async fn release(&self, lease: &Lease) -> StoreResult<()> {
        let lease = lease.clone();
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM idempotency WHERE partner_id = ?1 AND request_id = ?2 AND lease = ?3 AND state = 'pending'",
                params![lease.key.partner_id, lease.key.request_id, lease.token],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn release_stale(&self, node: Option<&str>) -> StoreResult<u64> {
        let node = node.map(str::to_owned);
        self.write(move |tx| {
            let n = match &node {
                Some(node) => tx.execute(
                    "DELETE FROM idempotency WHERE state = 'pending' AND node = ?1",
                    [node],
                ),
                None => tx.execute("DELETE FROM idempotency WHERE state = 'pending'", []),
            }
            .map_err(map_err)?;
            Ok(n as u64)
        })
        .await
    }
}
