//! Running statements: every statement is prepared once per connection and cached.

use deadpool_postgres::{GenericClient, Object, Transaction};
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, Row};

use super::map_err;
use crate::error::{StoreError, StoreResult};

/// Statement parameters.
pub(super) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Every row a statement returns.
pub(super) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> StoreResult<Vec<Row>> {
    let statement = c.prepare_cached(sql).await.map_err(map_err)?;
    c.query(&statement, params).await.map_err(map_err)
}

/// The row a statement returns, if any (more than one is an error).
pub(super) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> StoreResult<Option<Row>> {
    let statement = c.prepare_cached(sql).await.map_err(map_err)?;
    c.query_opt(&statement, params).await.map_err(map_err)
}

/// The one row a statement returns.
pub(super) async fn query_one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> StoreResult<Row> {
    let statement = c.prepare_cached(sql).await.map_err(map_err)?;
    c.query_one(&statement, params).await.map_err(map_err)
}

/// How many rows a statement changed.
pub(super) async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> StoreResult<u64> {
    let statement = c.prepare_cached(sql).await.map_err(map_err)?;
    c.execute(&statement, params).await.map_err(map_err)
}

/// Starts a `READ COMMITTED` transaction (whatever the server's default: the backend's
/// locking is designed for it). Dropping it without [`commit`] rolls it back.
pub(super) async fn begin(client: &mut Object) -> StoreResult<Transaction<'_>> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::ReadCommitted)
        .start()
        .await
        .map_err(map_err)
}

/// Commits; a failed commit leaves the outcome unknown to the caller, so it is `Unavailable`
/// (as for SQLite's writer).
pub(super) async fn commit(tx: Transaction<'_>) -> StoreResult<()> {
    tx.commit()
        .await
        .map_err(|e| StoreError::Unavailable(format!("commit failed: {}", map_err(e))))
}
