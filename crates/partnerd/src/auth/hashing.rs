//! Checking secrets and passwords against their argon2 hashes without stalling the server or
//! growing its memory.
//!
//! An argon2id check with the default parameters works through 19 MiB and takes tens of
//! milliseconds of one core. Run on the async workers, a burst of them stalls every other
//! request; when each check allocates its memory afresh, the C allocator keeps the freed
//! buffers, so a burst of wrong secrets leaves the process gigabytes larger. The [`Hasher`] therefore runs checks on
//! the blocking pool, at most one per core at a time (a semaphore), and lends each check one
//! of at most that many block buffers that are kept and reused: memory stays at
//! permits × 19 MiB however many checks arrive. Checks beyond those running queue on the
//! semaphore; past [`MAX_WAITING`] queued, a check is refused at once ([`Busy`]) and the token
//! service answers 429.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// How many checks may wait for a permit before further ones are refused.
pub const MAX_WAITING: usize = 64;

/// The largest memory, in 1 KiB blocks, a pooled buffer grows to: four times argon2's
/// default (19 MiB). A stored hash asking for more (one imported from elsewhere) is checked
/// in a buffer of its own, freed afterwards, so that one odd hash cannot make every pooled
/// buffer that large.
const MAX_POOLED_BLOCKS: usize = 4 * Params::DEFAULT_M_COST as usize;

/// Too many secret checks are waiting already; the caller should answer "try again shortly".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many secret checks are waiting")]
pub struct Busy;

/// Runs secret checks off the async workers, a bounded number at a time, in reused memory.
#[derive(Debug)]
pub struct Hasher {
    permits: usize,
    max_waiting: usize,
    semaphore: Arc<Semaphore>,
    waiting: AtomicUsize,
    pool: Arc<BlockPool>,
}

impl Hasher {
    /// A hasher running `permits` checks at a time (at least one), refusing checks once
    /// `max_waiting` are queued.
    pub fn new(permits: usize, max_waiting: usize) -> Self {
        let permits = permits.max(1);
        Self {
            permits,
            max_waiting,
            semaphore: Arc::new(Semaphore::new(permits)),
            waiting: AtomicUsize::new(0),
            pool: Arc::new(BlockPool::new(permits)),
        }
    }

    /// A hasher with one permit per core this process may use, and [`MAX_WAITING`].
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self::new(cores, MAX_WAITING)
    }

    /// How many checks run at once.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// How many block buffers have been allocated so far: at most [`Hasher::permits`], since
    /// a buffer is only made when every existing one is lent out.
    pub fn buffers_allocated(&self) -> usize {
        self.pool.allocated.load(Ordering::Relaxed)
    }

    /// Whether `secret` matches a stored argon2 hash (a PHC string), compared in constant
    /// time; `false` for a hash that cannot be read. [`Busy`] when too many checks wait.
    pub async fn verify(&self, secret: &str, hash: &str) -> Result<bool, Busy> {
        let permit = match self.semaphore.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let _queued = Queued::enter(&self.waiting, self.max_waiting).ok_or(Busy)?;
                // The semaphore is never closed, so acquiring fails only if it were.
                self.semaphore
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| Busy)?
            }
        };
        let pool = self.pool.clone();
        let (secret, hash) = (secret.as_bytes().to_vec(), hash.to_owned());
        // The permit moves into the blocking task: if the request is dropped while the check
        // runs, the permit is still held until the check ends, so no more than `permits`
        // checks ever run at once.
        let checked = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.verify(&secret, &hash)
        })
        .await;
        Ok(checked.unwrap_or(false))
    }
}

/// One check waiting for a permit, counted while it waits.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    /// Joins the queue, unless `max` are waiting already.
    fn enter(waiting: &'a AtomicUsize, max: usize) -> Option<Self> {
        let ahead = waiting.fetch_add(1, Ordering::AcqRel);
        // Built before the test so that a refused check leaves the count as it found it.
        let queued = Self(waiting);
        (ahead < max).then_some(queued)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Argon2 working memory kept between checks: at most `capacity` buffers.
struct BlockPool {
    capacity: usize,
    free: Mutex<Vec<Vec<Block>>>,
    allocated: AtomicUsize,
}

// By hand: the derived form would print every block of every buffer.
impl std::fmt::Debug for BlockPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockPool")
            .field("capacity", &self.capacity)
            .field("allocated", &self.allocated)
            .finish_non_exhaustive()
    }
}

/// A buffer lent out of the pool; it goes back when dropped, even if the check panicked.
struct Lease<'a> {
    pool: &'a BlockPool,
    blocks: Vec<Block>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        let mut free = self
            .pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if free.len() < self.pool.capacity {
            free.push(blocks);
        }
    }
}

impl BlockPool {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            free: Mutex::new(Vec::new()),
            allocated: AtomicUsize::new(0),
        }
    }

    /// A buffer of at least `blocks` blocks: a free one if any, else a new one.
    fn lease(&self, blocks: usize) -> Lease<'_> {
        let reused = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut buffer = reused.unwrap_or_else(|| {
            self.allocated.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        });
        if buffer.len() < blocks {
            // Whatever a buffer held from an earlier check does not matter: argon2's first
            // pass writes every block before any block is read.
            buffer.resize(blocks, Block::new());
        }
        Lease {
            pool: self,
            blocks: buffer,
        }
    }

    /// The check itself, as argon2's own `verify_password` does it (same algorithm,
    /// version, parameters, salt and output length, taken from the PHC string) but in a
    /// pooled buffer.
    fn verify(&self, secret: &[u8], phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(version) => version.unwrap_or_default(),
            Err(_) => return false,
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let expected = expected.as_bytes();
        let mut output = [0u8; 64];
        let Some(out) = output.get_mut(..expected.len()) else {
            return false;
        };
        let argon2 = Argon2::new(algorithm, version, params);
        let blocks = argon2.params().block_count();
        let hashed = if blocks <= MAX_POOLED_BLOCKS {
            let mut lease = self.lease(blocks);
            argon2.hash_password_into_with_memory(secret, salt, out, &mut lease.blocks[..blocks])
        } else {
            argon2.hash_password_into(secret, salt, out)
        };
        hashed.is_ok() && bool::from(out.ct_eq(expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};

    fn argon2_agrees(hasher: &BlockPool, secret: &str, phc: &str) -> bool {
        let own = PasswordHash::new(phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        });
        let pooled = hasher.verify(secret.as_bytes(), phc);
        assert_eq!(
            pooled, own,
            "pooled and argon2 disagree on {secret:?} for {phc}"
        );
        pooled
    }

    /// A hash with other parameters than the default: another algorithm, version, memory,
    /// passes and lanes, so the parameters really are read from the string.
    fn custom_hash(secret: &str, algorithm: Algorithm, version: Version, lanes: u32) -> String {
        let params = Params::new(64, 3, lanes, Some(24)).unwrap();
        let salt = SaltString::generate(&mut rand::thread_rng());
        Argon2::new(algorithm, version, params)
            .hash_password(secret.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_pooled_check_agrees_with_argon2() {
        // One buffer, so every check after the first reuses memory an earlier one filled.
        let pool = BlockPool::new(1);
        let default = crate::identity::hash_secret("s3cret").unwrap();
        assert!(argon2_agrees(&pool, "s3cret", &default));
        assert!(!argon2_agrees(&pool, "s3cret!", &default));
        assert!(!argon2_agrees(&pool, "", &default));
        for (algorithm, version, lanes) in [
            (Algorithm::Argon2id, Version::V0x13, 2),
            (Algorithm::Argon2i, Version::V0x13, 1),
            (Algorithm::Argon2d, Version::V0x10, 1),
        ] {
            let phc = custom_hash("hunter2", algorithm, version, lanes);
            assert!(argon2_agrees(&pool, "hunter2", &phc), "{phc}");
            assert!(!argon2_agrees(&pool, "hunter3", &phc), "{phc}");
        }
        assert!(
            argon2_agrees(&pool, "s3cret", &default),
            "after smaller hashes"
        );
        assert_eq!(pool.allocated.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn unreadable_hashes_never_match() {
        let pool = BlockPool::new(1);
        let good = crate::identity::hash_secret("s3cret").unwrap();
        for bad in [
            "not a hash".to_owned(),
            String::new(),
            good.replace("argon2id", "scrypt"),
            good.replace("v=19", "v=18"),
            good.rsplit_once('$').unwrap().0.to_owned(),
        ] {
            assert!(!pool.verify(b"s3cret", &bad), "{bad}");
        }
        assert!(pool.verify(b"s3cret", &good));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_checks_share_at_most_permits_buffers() {
        let hasher = Arc::new(Hasher::new(2, MAX_WAITING));
        let phc = crate::identity::hash_secret("right").unwrap();
        let checks: Vec<_> = (0..12)
            .map(|i| {
                let (hasher, phc) = (hasher.clone(), phc.clone());
                tokio::spawn(async move {
                    let secret = if i % 2 == 0 { "right" } else { "wrong" };
                    (i, hasher.verify(secret, &phc).await)
                })
            })
            .collect();
        for check in checks {
            let (i, verdict) = check.await.unwrap();
            assert_eq!(verdict, Ok(i % 2 == 0), "check {i}");
        }
        assert!(
            (1..=2).contains(&hasher.buffers_allocated()),
            "{} buffers for 2 permits",
            hasher.buffers_allocated()
        );
        let free = hasher.pool.free.lock().unwrap().len();
        assert!(free <= 2, "{free} buffers kept for 2 permits");
    }

    #[tokio::test]
    async fn checks_beyond_the_queue_are_refused() {
        let hasher = Arc::new(Hasher::new(1, 1));
        let phc = crate::identity::hash_secret("right").unwrap();
        // Hold the only permit, so the next check waits and the one after finds the queue
        // full.
        let held = hasher.semaphore.clone().acquire_owned().await.unwrap();
        let waiting = {
            let (hasher, phc) = (hasher.clone(), phc.clone());
            tokio::spawn(async move { hasher.verify("right", &phc).await })
        };
        while hasher.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(hasher.verify("right", &phc).await, Err(Busy));
        drop(held);
        assert_eq!(waiting.await.unwrap(), Ok(true));
        assert_eq!(hasher.waiting.load(Ordering::Acquire), 0);
        assert_eq!(hasher.verify("wrong", &phc).await, Ok(false));
    }
}
