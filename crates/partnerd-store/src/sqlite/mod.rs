//! The embedded SQLite backend.
//!
//! A pool of reader connections and one writer thread ([`writer`]) that owns the only write
//! connection and commits concurrent writes in groups, in WAL mode, so reads never wait for
//! writes. Reads run on the calling task: with the database in the page cache a statement
//! takes microseconds, less than handing it to a blocking thread would cost. `busy_timeout`
//! covers another process (the `partnerd partner` CLI) holding the write lock for a moment.

mod cache;
mod customers;
mod grants;
mod history;
mod idempotency;
mod lifecycle;
mod migrate;
mod partners;
mod portable;
mod rows;
mod writer;

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{StoreError, StoreResult};
use writer::Writer;

/// A partnerd store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    billing: cache::BillingCache,
    observer: std::sync::OnceLock<crate::LatencyObserver>,
    clock: crate::SharedClock,
}

impl crate::Observed for SqliteStore {
    fn observe_latency(&self, observer: crate::LatencyObserver) {
        let _ = self.observer.set(observer);
    }

    fn clock(&self) -> crate::SharedClock {
        self.clock.clone()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database a `sqlite://` URL names and migrates it.
    pub fn open(url: &str) -> StoreResult<Self> {
        Self::open_with_clock(url, crate::SystemClock::shared())
    }

    /// Opens as [`SqliteStore::open`] does, with expiries following `clock`.
    pub fn open_with_clock(url: &str, clock: crate::SharedClock) -> StoreResult<Self> {
        let path = parse_url(url)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        create_private(&path)?;
        let mut writer = connect(&path)?;
        migrate::run(&mut writer)?;
        let writer = Writer::start(writer, connect(&path)?)?;
        Ok(Self {
            path,
            writer,
            readers: Mutex::new(Vec::new()),
            billing: cache::BillingCache::default(),
            observer: std::sync::OnceLock::new(),
            clock,
        })
    }

    /// The file holding the database.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `f` on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let started = std::time::Instant::now();
        let out = self.read_unobserved(f);
        if let Some(observe) = self.observer.get() {
            observe(started.elapsed());
        }
        out
    }

    fn read_unobserved<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let pooled = self.readers.lock().map_err(poisoned)?.pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let out = f(&conn);
        self.readers.lock().map_err(poisoned)?.push(conn);
        out
    }

    /// Runs `f` in the writer thread's next group commit (see [`writer`]).
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let started = std::time::Instant::now();
        let out = self.writer.write(f).await;
        if let Some(observe) = self.observer.get() {
            observe(started.elapsed());
        }
        out
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Internal("connection pool lock poisoned".to_owned())
}

/// `sqlite://relative/path`, `sqlite:///absolute/path`, `sqlite:path`; a query string is ignored.
pub(crate) fn parse_url(url: &str) -> StoreResult<PathBuf> {
    let rest = url
        .strip_prefix("sqlite:")
        .ok_or_else(|| crate::error::invalid_url("it is not a sqlite URL"))?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or_default();
    if rest.is_empty() || rest == ":memory:" {
        return Err(crate::error::invalid_url(
            "a sqlite URL must name a file, e.g. sqlite://partnerd.db (in-memory databases cannot be shared between connections)",
        ));
    }
    Ok(PathBuf::from(rest))
}

/// Creates the database file readable by its owner alone, whatever the umask, before SQLite
/// opens it: it holds the token signing keys and the server secrets, and SQLite gives its
/// `-wal` and `-shm` files the database file's permissions.
fn create_private(path: &std::path::Path) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", path.display())))
}

/// The files of a SQLite database that other users may read (the database and its `-wal` and
/// `-shm` companions, where they exist), so that `serve` can warn about them: each of them
/// holds the signing keys' private halves.
pub fn readable_by_others(url: &str) -> StoreResult<Vec<PathBuf>> {
    let path = parse_url(url)?;
    let mut found = Vec::new();
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let mut candidate = path.clone().into_os_string();
        candidate.push(suffix);
        let candidate = PathBuf::from(candidate);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            if meta.permissions().mode() & 0o077 != 0 {
                found.push(candidate);
            }
        }
    }
    Ok(found)
}

fn connect(path: &std::path::Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(map_err)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA mmap_size = 268435456;",
    )
    .map_err(map_err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Normalises SQLite failures into domain errors.
pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, msg) = &e {
        let msg = msg.as_deref().unwrap_or_default();
        match code.code {
            ErrorCode::ConstraintViolation
                if msg.contains("customers.domain") || msg.contains("customer_domains.name") =>
            {
                return StoreError::DomainTaken
            }
            ErrorCode::ConstraintViolation if msg.contains("UNIQUE") => {
                return StoreError::Duplicate(
                    msg.trim_start_matches("UNIQUE constraint failed: ")
                        .to_owned(),
                )
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return StoreError::Unavailable(e.to_string())
            }
            _ => {}
        }
    }
    StoreError::Internal(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls_name_files() {
        assert_eq!(
            parse_url("sqlite://partnerd.db").unwrap().to_str(),
            Some("partnerd.db")
        );
        assert_eq!(
            parse_url("sqlite:///tmp/x.db").unwrap().to_str(),
            Some("/tmp/x.db")
        );
        assert_eq!(
            parse_url("sqlite://a/b.db?mode=rwc").unwrap().to_str(),
            Some("a/b.db")
        );
        assert!(parse_url("sqlite::memory:").is_err());
        assert!(parse_url("postgres://x").is_err());
    }
}
