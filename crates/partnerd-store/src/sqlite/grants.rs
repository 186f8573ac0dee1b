//! Token-service grants on SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::{map_err, SqliteStore};
use crate::error::StoreResult;
use crate::model::{GrantKind, GrantRecord, GrantSwap};
use crate::GrantStore;

/// Grants are kept a day past their expiry, so a late reuse is still recognised as one.
const KEEP_EXPIRED_SECS: i64 = 86_400;

#[async_trait]
impl GrantStore for SqliteStore {
    async fn put_grant(&self, grant: GrantRecord) -> StoreResult<()> {
        let now = self.clock.now_secs();
        self.write(move |tx| {
            tx.prepare_cached("DELETE FROM grants WHERE expires_at < ?1")
                .and_then(|mut s| s.execute([now - KEEP_EXPIRED_SECS]))
                .map_err(map_err)?;
            tx.prepare_cached(
                "INSERT INTO grants (kind, key, payload, expires_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    grant.kind.as_str(),
                    grant.key,
                    grant.payload,
                    grant.expires_at
                ])
            })
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn grant(&self, kind: GrantKind, key: &str) -> StoreResult<Option<GrantRecord>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT kind, key, payload, expires_at FROM grants WHERE kind = ?1 AND key = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![kind.as_str(), key], |r| {
                    Ok(GrantRecord {
                        kind,
                        key: r.get(1)?,
                        payload: r.get(2)?,
                        expires_at: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(map_err)
        })
    }

    async fn swap_grant(
        &self,
        kind: GrantKind,
        key: &str,
        GrantSwap { expected, new }: GrantSwap<'_>,
    ) -> StoreResult<bool> {
        let (kind, key) = (kind.as_str(), key.to_owned());
        let (expected, new) = (expected.to_owned(), new.to_owned());
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE grants SET payload = ?4 WHERE kind = ?1 AND key = ?2 AND payload = ?3",
                )
                .and_then(|mut s| s.execute(params![kind, key, expected, new]))
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }
}
