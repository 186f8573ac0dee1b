//! Idempotency records on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::exec::{begin, commit, execute, query_opt};
use super::rows::get;
use super::PostgresStore;
use crate::error::{StoreError, StoreResult};
use crate::model::{Completion, CustomerView, Lease, Reservation, StoredResponse};
use crate::reservation::{decide_reservation, existing_record, ReserveDecision};
use crate::IdempotencyStore;

/// How often a reservation retries when the record it conflicted with vanished meanwhile.
const RESERVE_ATTEMPTS: usize = 3;

/// Marks a reservation complete with its response; false if the lease is no longer held.
async fn store_response<C: GenericClient>(
    c: &C,
    lease: &Lease,
    response: &StoredResponse,
) -> StoreResult<bool> {
    let headers = serde_json::to_string(&response.headers)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let n = execute(
        c,
        "UPDATE idempotency SET state = 'complete', status = $4, headers = $5, body = $6 \
         WHERE partner_id = $1 AND request_id = $2 AND lease = $3 AND state = 'pending'",
        &[
            &lease.key.partner_id,
            &lease.key.request_id,
            &lease.token,
            &i32::from(response.status),
            &headers,
            &response.body,
        ],
    )
    .await?;
    Ok(n > 0)
}

/// Stores a completion inside a write's transaction (see `CustomerStore`): if the lease is
/// lost the error makes the caller drop, and so roll back, the whole transaction.
pub(super) async fn complete_in<C: GenericClient>(
    c: &C,
    completion: Option<Completion>,
    view: Option<&CustomerView>,
) -> StoreResult<()> {
    let Some(completion) = completion else {
        return Ok(());
    };
    let response = (completion.render)(view);
    if store_response(c, &completion.lease, &response).await? {
        Ok(())
    } else {
        Err(StoreError::Unavailable(
            "the idempotency lease lapsed before the write committed".to_owned(),
        ))
    }
}

/// One attempt at reserving inside `tx`; `None` if the conflicting record vanished before it
/// could be locked (a concurrent release), so the caller tries again.
async fn reserve_once<C: GenericClient>(
    tx: &C,
    lease: &Lease,
    fingerprint: &str,
    now: i64,
    lease_secs: i64,
    keep_secs: i64,
) -> StoreResult<Option<Reservation>> {
    let (partner_id, request_id) = (&lease.key.partner_id, &lease.key.request_id);
    let inserted = execute(
        tx,
        "INSERT INTO idempotency (partner_id, request_id, fingerprint, state, lease, lease_until, expires_at, node) \
         VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7) ON CONFLICT (partner_id, request_id) DO NOTHING",
        &[
            partner_id,
            request_id,
            &fingerprint,
            &lease.token,
            &(now + lease_secs),
            &(now + keep_secs),
            &lease.node,
        ],
    )
    .await?;
    if inserted > 0 {
        return Ok(Some(Reservation::Acquired));
    }
    let row = query_opt(
        tx,
        "SELECT fingerprint, state, lease_until, status, headers, body FROM idempotency \
         WHERE partner_id = $1 AND request_id = $2 FOR UPDATE",
        &[partner_id, request_id],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status: Option<i32> = get(&row, 3)?;
    let status = status
        .map(|s| {
            u16::try_from(s)
                .map_err(|e| StoreError::Internal(format!("stored status {s} is unreadable: {e}")))
        })
        .transpose()?;
    let state: String = get(&row, 1)?;
    let existing = existing_record(
        get(&row, 0)?,
        &state,
        get(&row, 2)?,
        status,
        get(&row, 4)?,
        get(&row, 5)?,
    )?;
    let reservation = match decide_reservation(existing, fingerprint, now) {
        ReserveDecision::Answer(reservation) => reservation,
        ReserveDecision::TakeOver => {
            execute(
                tx,
                "UPDATE idempotency SET lease = $3, lease_until = $4, node = $5 \
                 WHERE partner_id = $1 AND request_id = $2",
                &[
                    partner_id,
                    request_id,
                    &lease.token,
                    &(now + lease_secs),
                    &lease.node,
                ],
            )
            .await?;
            Reservation::Acquired
        }
    };
    Ok(Some(reservation))
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn reserve(
        &self,
        lease: &Lease,
        fingerprint: &str,
        lease_secs: i64,
        keep_secs: i64,
    ) -> StoreResult<Reservation> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            let now = self.clock.now_secs();
            execute(
                &tx,
                "DELETE FROM idempotency WHERE expires_at < $1",
                &[&now],
            )
            .await?;
            for _ in 0..RESERVE_ATTEMPTS {
                if let Some(reservation) =
                    reserve_once(&tx, lease, fingerprint, now, lease_secs, keep_secs).await?
                {
                    commit(tx).await?;
                    return Ok(reservation);
                }
            }
            Err(StoreError::Unavailable(
                "the idempotency record kept changing; try again".to_owned(),
            ))
        })
        .await
    }

    async fn complete(&self, lease: &Lease, response: StoredResponse) -> StoreResult<bool> {
        self.timed(async { store_response(&self.conn().await?, lease, &response).await })
            .await
    }

    async fn release(&self, lease: &Lease) -> StoreResult<()> {
        self.timed(async {
            execute(
                &self.conn().await?,
                "DELETE FROM idempotency WHERE partner_id = $1 AND request_id = $2 \
                 AND lease = $3 AND state = 'pending'",
                &[&lease.key.partner_id, &lease.key.request_id, &lease.token],
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn release_stale(&self, node: Option<&str>) -> StoreResult<u64> {
        self.timed(async {
            let client = self.conn().await?;
            let n = match node {
                Some(node) => {
                    execute(
                        &client,
                        "DELETE FROM idempotency WHERE state = 'pending' AND node = $1",
                        &[&node],
                    )
                    .await?
                }
                None => {
                    execute(
                        &client,
                        "DELETE FROM idempotency WHERE state = 'pending'",
                        &[],
                    )
                    .await?
                }
            };
            Ok(n)
        })
        .await
    }
}
