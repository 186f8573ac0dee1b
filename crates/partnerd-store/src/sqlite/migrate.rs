//! Embedded, ordered migrations, applied under the write lock so that several processes
//! starting at once apply each exactly once.

use rusqlite::Connection;

use super::map_err;
use crate::error::StoreResult;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_grants_and_key_retirement.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_idempotency.sql"),
    ),
    (
        4,
        include_str!("../../migrations/sqlite/0004_idempotency_node.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_lifecycle.sql"),
    ),
    (
        6,
        include_str!("../../migrations/sqlite/0006_history_and_documents.sql"),
    ),
];

pub(super) fn run(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(map_err)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
        .map_err(map_err)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql).map_err(map_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )
        .map_err(map_err)?;
    }
    tx.commit().map_err(map_err)
}
