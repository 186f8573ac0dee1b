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
//! off on this connection. So that this checkpoint is short (a write waits for it), a second
//! thread with a connection of its own copies the log into the database every
//! [`BACKFILL_EVERY`] without blocking writes, leaving the writer only what came since: under
//! a stream of creates, the writer's checkpoints took tens of milliseconds before.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::map_err;
use crate::error::{StoreError, StoreResult};

/// Most jobs committed together.
const MAX_GROUP: usize = 64;
/// How often the log is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// How often the background thread copies the log into the database.
const BACKFILL_EVERY: Duration = Duration::from_millis(50);

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

/// The handle the store keeps; dropping it stops the thread after the queued jobs, and the
/// background checkpoints.
pub(super) struct Writer {
    jobs: Option<Sender<Box<dyn Job>>>,
    _backfill: Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    /// Waits for the queued jobs and the last checkpoint, which empties the log: a process
    /// that exits right after (the CLI's commands) leaves no log for the next start to read
    /// back (a 100 MB log after an import made the next start take 380 ms instead of 20).
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Writer {
    /// Starts the thread that owns `conn`, and the background checkpoints on `backfill`.
    pub(super) fn start(conn: Connection, backfill: Connection) -> StoreResult<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        // SQLite runs one checkpoint at a time and a second one gives up at once, leaving
        // the log to grow; with the lock the writer sees a background pass running and tries
        // again after its next group instead.
        let checkpointing = Arc::new(Mutex::new(()));
        let background = checkpointing.clone();
        std::thread::Builder::new()
            .name("partnerd-sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(BACKFILL_EVERY) {
                    let _pass = background.lock().unwrap_or_else(PoisonError::into_inner);
                    let _ = backfill.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| {
                StoreError::Internal(format!("cannot start the checkpoint thread: {e}"))
            })?;
        // Statement journals (a write's savepoint) stay in memory rather than in a file.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;")
            .map_err(map_err)?;
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("partnerd-sqlite-writer".into())
            .spawn(move || run(conn, queue, &checkpointing))
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            jobs: Some(jobs),
            _backfill: stop,
            thread: Some(thread),
        })
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
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the writer thread has stopped".to_owned()))?
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".to_owned()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the writer thread has stopped".to_owned()))?
    }
}

fn run(conn: Connection, queue: Receiver<Box<dyn Job>>, checkpointing: &Mutex<()>) {
    let mut last_checkpoint = Instant::now();
    loop {
        let first = match queue.recv_timeout(CHECKPOINT_EVERY) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                checkpoint(&conn, checkpointing, &mut last_checkpoint);
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
            checkpoint(&conn, checkpointing, &mut last_checkpoint);
        }
    }
    final_checkpoint(&conn, checkpointing);
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

/// Checkpoints unless a background pass is running (then it is tried again after the next
/// group, so that a write never waits for the background pass).
fn checkpoint(conn: &Connection, checkpointing: &Mutex<()>, last: &mut Instant) {
    let _only = match checkpointing.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(e)) => e.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    *last = Instant::now();
}

/// The last checkpoint, waiting for a background pass if one runs, and emptying the log.
fn final_checkpoint(conn: &Connection, checkpointing: &Mutex<()>) {
    let _only = checkpointing.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}
