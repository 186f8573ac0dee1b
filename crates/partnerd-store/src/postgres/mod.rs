//! The PostgreSQL backend, for several partnerd nodes sharing one database.
//!
//! # Connecting
//!
//! `postgres://USER:PASSWORD@HOST:PORT/DATABASE?KEY=VALUE&…` (or `postgresql://…`), in libpq's
//! URL form; every key `tokio-postgres` understands works (`host`, `user`, `options`,
//! `application_name`, `keepalives`, …). TLS is not supported: connect over a trusted network
//! or a local socket (`sslmode=require` fails). These keys are partnerd's own:
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `pool_max_size` | 16 | most connections this node keeps open |
//! | `pool_timeout` | 5 | seconds an operation waits for a free connection before it fails as unavailable |
//! | `connect_timeout` | 5 | seconds opening one connection may take (also libpq's key) |
//! | `statement_timeout` | server's | seconds one statement may run before the server cancels it |
//! | `schema` | server's `search_path` | schema that holds partnerd's tables, created if missing (`[a-z_][a-z0-9_]*`) |
//!
//! `pool_timeout` and `statement_timeout` may have fractions (`pool_timeout=0.5`). For example
//! `postgres://partnerd:secret@db:5432/partnerd?pool_max_size=32&connect_timeout=2`.
//!
//! # Concurrency model
//!
//! Every node keeps a pool of connections (`deadpool-postgres`); each store operation takes
//! one connection for its duration and runs either one statement (reads, single-row writes)
//! or one transaction at PostgreSQL's default `READ COMMITTED` isolation. Nothing is cached
//! in the process: several nodes share the database, so every read asks it. Where a write
//! must see a consistent state it takes row locks rather than relying on isolation:
//!
//! - **Customer creation** locks the row of the creating partner (and of the associated
//!   indirect reseller, in tenant-id order) with `SELECT … FOR NO KEY UPDATE`, then counts
//!   the partner's customers against its cap and inserts. Creations that concern one partner
//!   therefore run one at a time, which makes the cap exact and also means a partner's
//!   customers commit in `seq` order, so a keyset scan (`seq > cursor`) never skips a customer
//!   that committed after a page was read.
//! - **Billing-profile updates and relationship removals** lock the customer row
//!   (`SELECT … FOR UPDATE`) and only then read it: the ETag check and the update form one
//!   compare-and-swap, and of concurrent writers with the same ETag exactly one wins.
//! - **Uniqueness** (domains, tenant ids, client ids, user names, grants) is left to unique
//!   constraints: the loser of a race gets `DomainTaken` or `Duplicate`.
//! - **Idempotency reservations** insert with `ON CONFLICT DO NOTHING` and otherwise lock the
//!   existing record (`FOR UPDATE`) before deciding, so of concurrent requests with one key
//!   exactly one acquires it. A write that completes a reservation updates the record in its
//!   own transaction; if the lease is no longer held the update touches no row and the whole
//!   write rolls back as `Unavailable`.
//! - **Grants** change by a single conditional `UPDATE`, which PostgreSQL re-checks against
//!   the newest row version after waiting for a concurrent writer: one redemption wins.
//! - **Secrets** are inserted with `ON CONFLICT DO NOTHING` and read back by a second
//!   statement, so concurrent first callers on every node end with the first stored value.
//!
//! Migrations (`migrate.rs`) run at open inside one transaction holding a transaction-level
//! advisory lock, so nodes starting together apply each migration exactly once.
//!
//! Errors: a unique violation on `customers.domain` is `DomainTaken`, any other unique
//! violation `Duplicate`; failures to reach the server, a closed connection, an exhausted
//! pool and timeouts (statement, lock, connect) are `Unavailable`, as are deadlocks and
//! serialization failures, PostgreSQL's counterparts of SQLite's "busy"; anything else is
//! `Internal`.

mod billing_reads;
mod config;
mod customers;
mod exec;
mod grants;
mod history;
mod idempotency;
mod lifecycle;
mod migrate;
mod partners;
mod portable;
mod rows;

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use crate::error::{StoreError, StoreResult};

/// A partnerd store in a PostgreSQL database, shared with any number of other nodes.
pub struct PostgresStore {
    pool: Pool,
    billing_reads: billing_reads::BillingReads,
    observer: OnceLock<crate::LatencyObserver>,
    clock: crate::SharedClock,
}

impl crate::Observed for PostgresStore {
    fn observe_latency(&self, observer: crate::LatencyObserver) {
        let _ = self.observer.set(observer);
    }

    fn clock(&self) -> crate::SharedClock {
        self.clock.clone()
    }
}

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names and migrates it (see the module
    /// documentation for the URL's parameters).
    ///
    /// An unreachable server is `Unavailable`; rejected credentials or a missing database are
    /// `Config` errors.
    pub async fn open(url: &str) -> StoreResult<Self> {
        Self::open_with_clock(url, crate::SystemClock::shared()).await
    }

    /// Connects as [`PostgresStore::open`] does, with expiries following `clock`.
    pub async fn open_with_clock(url: &str, clock: crate::SharedClock) -> StoreResult<Self> {
        let settings = config::parse(url)?;
        let manager = Manager::from_config(
            settings.pg.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_max_size)
            .wait_timeout(Some(settings.pool_timeout))
            .create_timeout(Some(settings.connect_timeout))
            .recycle_timeout(Some(settings.connect_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Config(format!("cannot set up the PostgreSQL pool: {e}")))?;
        let mut client = pool.get().await.map_err(|e| {
            let target = config::redact_password(url);
            match map_pool_err(e) {
                StoreError::Unavailable(e) => {
                    StoreError::Unavailable(format!("cannot connect to {target}: {e}"))
                }
                StoreError::Config(e) => {
                    StoreError::Config(format!("cannot connect to {target}: {e}"))
                }
                other => other,
            }
        })?;
        migrate::run(&mut client, settings.schema.as_deref()).await?;
        drop(client);
        Ok(Self {
            billing_reads: billing_reads::BillingReads::start(pool.clone()),
            pool,
            observer: OnceLock::new(),
            clock,
        })
    }

    /// A pooled connection.
    async fn conn(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(map_pool_err)
    }

    /// Runs one store operation and reports how long it took to the latency observer.
    async fn timed<T>(&self, op: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let started = Instant::now();
        let out = op.await;
        if let Some(observe) = self.observer.get() {
            observe(started.elapsed());
        }
        out
    }
}

/// Drops the schema that a URL's `schema=` parameter names, with every table in it: for
/// tearing down scratch stores (tests, previews). A URL without `schema=` is refused.
pub async fn drop_schema(url: &str) -> StoreResult<()> {
    let settings = config::parse(url)?;
    let Some(schema) = settings.schema else {
        return Err(StoreError::Config(
            "drop_schema needs a URL with schema=NAME".to_owned(),
        ));
    };
    let (client, connection) = settings.pg.connect(NoTls).await.map_err(map_err)?;
    let driver = tokio::spawn(connection);
    // The schema name was checked to be a plain identifier when the URL was parsed.
    let dropped = client
        .batch_execute(&format!(
            "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
        ))
        .await
        .map_err(map_err);
    drop(client);
    let _ = driver.await;
    dropped
}

/// Normalises PostgreSQL failures into domain errors.
pub(crate) fn map_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            return if matches!(
                db.constraint(),
                Some("customers_domain_key" | "customer_domains_pkey")
            ) {
                StoreError::DomainTaken
            } else {
                StoreError::Duplicate(unique_key(db))
            };
        }
        let code = code.code();
        if is_retryable(code) {
            return StoreError::Unavailable(db.to_string());
        }
        if code.starts_with("28") || code == SqlState::INVALID_CATALOG_NAME.code() {
            // Rejected credentials or no such database: the URL is wrong.
            return StoreError::Config(db.to_string());
        }
        return StoreError::Internal(db.to_string());
    }
    if e.is_closed() || is_connection_failure(&e) {
        return StoreError::Unavailable(describe(&e));
    }
    StoreError::Internal(describe(&e))
}

/// An error with its causes (`tokio-postgres` keeps the interesting part, such as "connection
/// refused", in the source).
fn describe(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let cause = s.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = s.source();
    }
    text
}

/// Failures worth retrying: the connection, the server's state, or lock contention.
fn is_retryable(code: &str) -> bool {
    code.starts_with("08") // connection exception
        || matches!(
            code,
            "40001" // serialization_failure
                | "40P01" // deadlock_detected
                | "55P03" // lock_not_available (lock_timeout)
                | "57014" // query_canceled (statement_timeout)
                | "57P01" // admin_shutdown
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now
                | "53300" // too_many_connections
        )
}

/// Whether a client-side error means the server could not be reached or stopped answering.
fn is_connection_failure(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    // tokio-postgres does not expose its error kinds; these are its messages for them.
    let text = e.to_string();
    [
        "error connecting to server",
        "timeout waiting for server",
        "error communicating with the server",
        "connection closed",
    ]
    .iter()
    .any(|kind| text.starts_with(kind))
}

/// `table.column` of a unique violation, like SQLite's message (`partners.tenant_id`).
fn unique_key(db: &tokio_postgres::error::DbError) -> String {
    let columns = db
        .detail()
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split_once(")=").map(|(cols, _)| cols));
    match (db.table(), columns) {
        (Some(table), Some(columns)) => columns
            .split(", ")
            .map(|c| format!("{table}.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => db.constraint().unwrap_or("unique key").to_owned(),
    }
}

/// Normalises a failure to get a pooled connection.
fn map_pool_err(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => map_err(e),
        PoolError::Timeout(_) | PoolError::Closed => {
            StoreError::Unavailable(format!("no database connection: {e}"))
        }
        PoolError::NoRuntimeSpecified => StoreError::Config(e.to_string()),
        PoolError::PostCreateHook(_) => StoreError::Internal(e.to_string()),
    }
}
