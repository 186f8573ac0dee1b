//! Token-service grants on PostgreSQL.

use async_trait::async_trait;

use super::exec::{begin, commit, execute, query_opt};
use super::rows::get;
use super::PostgresStore;
use crate::error::StoreResult;
use crate::model::{GrantKind, GrantRecord, GrantSwap};
use crate::GrantStore;

/// Grants are kept a day past their expiry, so a late reuse is still recognised as one.
const KEEP_EXPIRED_SECS: i64 = 86_400;

#[async_trait]
impl GrantStore for PostgresStore {
    async fn put_grant(&self, grant: GrantRecord) -> StoreResult<()> {
        self.timed(async {
            let mut client = self.conn().await?;
            let tx = begin(&mut client).await?;
            execute(
                &tx,
                "DELETE FROM grants WHERE expires_at < $1",
                &[&(self.clock.now_secs() - KEEP_EXPIRED_SECS)],
            )
            .await?;
            execute(
                &tx,
                "INSERT INTO grants (kind, key, payload, expires_at) VALUES ($1, $2, $3, $4)",
                &[
                    &grant.kind.as_str(),
                    &grant.key,
                    &grant.payload,
                    &grant.expires_at,
                ],
            )
            .await?;
            commit(tx).await
        })
        .await
    }

    async fn grant(&self, kind: GrantKind, key: &str) -> StoreResult<Option<GrantRecord>> {
        self.timed(async {
            let row = query_opt(
                &self.conn().await?,
                "SELECT kind, key, payload, expires_at FROM grants WHERE kind = $1 AND key = $2",
                &[&kind.as_str(), &key],
            )
            .await?;
            row.map(|r| {
                Ok(GrantRecord {
                    kind,
                    key: get(&r, 1)?,
                    payload: get(&r, 2)?,
                    expires_at: get(&r, 3)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn swap_grant(
        &self,
        kind: GrantKind,
        key: &str,
        GrantSwap { expected, new }: GrantSwap<'_>,
    ) -> StoreResult<bool> {
        // One statement: a concurrent swap makes this one wait for the row and then re-check
        // `payload = $3` against the version it committed, so only one swap matches.
        self.timed(async {
            let n = execute(
                &self.conn().await?,
                "UPDATE grants SET payload = $4 WHERE kind = $1 AND key = $2 AND payload = $3",
                &[&kind.as_str(), &key, &expected, &new],
            )
            .await?;
            Ok(n > 0)
        })
        .await
    }
}
