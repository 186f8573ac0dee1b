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
    (
        7,
        include_str!("../../migrations/sqlite/0007_search_keys.sql"),
    ),
];

pub(super) fn run(conn: &mut Connection) -> StoreResult<()> {
    run_to(conn, i64::MAX)
}

/// Applies the migrations after the database's version, up to and including `last`.
fn run_to(conn: &mut Connection, last: i64) -> StoreResult<()> {
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
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > current && *v <= last)
    {
        tx.execute_batch(sql).map_err(map_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [version],
        )
        .map_err(map_err)?;
    }
    tx.commit().map_err(map_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_get_their_customers_search_keys() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        run_to(&mut conn, 6).unwrap();
        conn.execute_batch(
            "INSERT INTO customers (id, commerce_id, domain, company_name_fold, custom_domains, \
             company, billing, etag, admin_password_hash) \
             VALUES ('c1', 'm1', 'contoso.example', 'contoso ltd', '[]', '{}', '{}', 1, 'h'); \
             INSERT INTO customer_partners VALUES ('p1', 1, 'reseller', 1), ('p2', 1, 'indirect_reseller', 0);",
        )
        .unwrap();
        run(&mut conn).unwrap();
        let rows: Vec<(String, String, String, bool)> = conn
            .prepare(
                "SELECT partner_id, company_name_fold, domain, delegated_access \
                 FROM customer_partners ORDER BY partner_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let keys = |p: &str, d| (p.into(), "contoso ltd".into(), "contoso.example".into(), d);
        assert_eq!(rows, vec![keys("p1", true), keys("p2", false)]);
        // Deleting the customer still takes its relationships with it.
        conn.execute("DELETE FROM customers WHERE id = 'c1'", [])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM customer_partners", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }
}
