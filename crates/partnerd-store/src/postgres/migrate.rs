//! Embedded, ordered migrations, applied in one transaction that holds an advisory lock, so
//! that several nodes starting at once apply each exactly once.
//!
//! The lock is transaction-level (`pg_advisory_xact_lock`): PostgreSQL releases it at commit
//! or rollback, also when a node dies half-way, and the next node finds the schema either
//! untouched or fully migrated.

use deadpool_postgres::Object;

use super::exec::{begin, commit};
use super::map_err;
use crate::error::StoreResult;

/// The advisory lock key of partnerd's migrations: "partnerd" in ASCII.
const MIGRATION_LOCK: i64 = 0x7061_7274_6e65_7264;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_grants_and_key_retirement.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_idempotency.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_idempotency_node.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_lifecycle.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_history_and_documents.sql"),
    ),
    (
        7,
        include_str!("../../migrations/postgres/0007_search_keys.sql"),
    ),
];

/// Applies the migrations the database lacks; creates `schema` first when one is named (it
/// must be a plain identifier: the URL parser checks).
pub(super) async fn run(client: &mut Object, schema: Option<&str>) -> StoreResult<()> {
    let tx = begin(client).await?;
    tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await
        .map_err(map_err)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .map_err(map_err)?;
    }
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
        .await
        .map_err(map_err)?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(map_err)?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(map_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(map_err)?;
    }
    commit(tx).await
}
