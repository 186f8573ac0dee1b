//! The writer: one thread owns the only write connection and commits in groups.
//!
//! Write jobs arrive over a channel. The thread takes every job that is waiting (up to
//! [`MAX_GROUP`]), runs each inside its own savepoint of one `BEGIN IMMEDIATE` transaction,
//! commits once, and only then tells each job's caller how it ended. A job that fails rolls
//! back to its savepoint and leaves the others' work intact; a commit that fails fails every
//! job of the group. Grouping makes the cost of a commit (the write-ahead log append and its
//! locks) shared by all the concurrent writers, and no async worker ever blocks on SQLite's
//! write lock.
//!
//! Between groups (and at least every [`CHECKPOINT_EVERY`] when idle) the thread checkpoints
//! the log itself. Because no other write can happen meanwhile, the checkpoint completes and
//! the log restarts from the beginning instead of growing; SQLite's automatic checkpoints are
//! off on this connection.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::map_err;
use crate::error::{StoreError, StoreResult};

/// Most jobs committed together.
const MAX_GROUP: usize = 64;
/// How often the log is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// A queued write.
trait Job: Send {
    /// Runs the write on the connection; true if it succeeded (and should be kept).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Reports how the group ended: `None` if it was committed.
    fn finish(self: Box<Self>, commit: Option<&StoreError>);
}

/// A write closure, its outcome once run, and where to send the result.
struct Write<T, F> {
    f: Option<F>,
    outcome: Option<StoreResult<T>>,
    reply: tokio::sync::oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let outcome = match self.f.take() {
            Some(f) => f(conn),
            None => Err(StoreError::Internal("write ran twice".to_owned())),
        };
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, commit: Option<&StoreError>) {
        let result = match (self.outcome, commit) {
            // Never ran: the transaction could not even begin.
            (None, Some(e)) => Err(StoreError::Unavailable(format!(
                "cannot begin a write: {e}"
            ))),
            (None, None) => Err(StoreError::Internal("write never ran".to_owned())),
            (Some(Ok(_)), Some(e)) => Err(StoreError::Unavailable(format!("commit failed: {e}"))),
            (Some(outcome), _) => outcome,
        };
        let _ = self.reply.send(result);
    }
}

/// The handle the store keeps; dropping it stops the thread after the queued jobs.
pub(super) struct Writer {
    jobs: Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub(super) fn start(conn: Connection) -> StoreResult<Self> {
        // A page cache of 64 MiB (SQLite's default is 2 MiB) keeps a transaction's dirty
        // index pages in memory until its commit instead of spilling them to the WAL one by
        // one, and statement journals stay in memory: a bulk import runs about twice as fast.
        conn.execute_batch(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )
        .map_err(map_err)?;
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("partnerd-sqlite-writer".into())
            .spawn(move || run(conn, queue))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { jobs })
    }

    /// Runs `f` in the next group and waits until the group is committed.
    pub(super) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, rx) = tokio::sync::oneshot::channel::<StoreResult<T>>();
        let job = Box::new(Write {
            f: Some(f),
            outcome: None,
            reply,
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".to_owned()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".to_owned()))?
    }
}

fn run(conn: Connection, queue: Receiver<Box<dyn Job>>) {
    let mut last_checkpoint = Instant::now();
    loop {
        let first = match queue.recv_timeout(CHECKPOINT_EVERY) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                checkpoint(&conn, &mut last_checkpoint);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&conn, group);
        if last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            checkpoint(&conn, &mut last_checkpoint);
        }
    }
    checkpoint(&conn, &mut Instant::now());
}

fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn commit_group(conn: &Connection, mut group: Vec<Box<dyn Job>>) {
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        let e = map_err(e);
        for job in group {
            job.finish(Some(&e));
        }
        return;
    }
    let mut failure = None;
    for job in &mut group {
        let step = exec(conn, "SAVEPOINT job").and_then(|()| {
            if !job.run(conn) {
                // Undo this job alone; the others' work stays.
                exec(conn, "ROLLBACK TO job")?;
            }
            exec(conn, "RELEASE job")
        });
        if let Err(e) = step {
            failure = Some(map_err(e));
            break;
        }
    }
    if failure.is_none() {
        failure = exec(conn, "COMMIT").map_err(map_err).err();
    }
    if failure.is_some() {
        let _ = exec(conn, "ROLLBACK");
    }
    for job in group {
        job.finish(failure.as_ref());
    }
}

fn checkpoint(conn: &Connection, last: &mut Instant) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    *last = Instant::now();
}
