//! What the fuzz suites share: how many cases to run, a replayable configuration, and byte-level
//! damage to a document. The wire fuzz (`partnerd-wire/tests/fuzz.rs`) and the API fuzz
//! (`partnerd/tests/api/fuzz.rs`) both include this file; each keeps its own mix of edits, since
//! what is worth inserting into a body differs from what is worth inserting into a token.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use proptest::prelude::ProptestConfig;
use proptest::sample::Index;
use proptest::test_runner::RngSeed;

/// Cases per property: `PARTNERD_FUZZ_CASES`, 256 when unset.
pub fn cases() -> u32 {
    std::env::var("PARTNERD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256)
}

/// `cases` cases, a seed that is printed (shown when the test fails) so that
/// `PROPTEST_RNG_SEED` can replay it, no regression file (failures become tests in each suite's
/// `regressions`), and shrinking bounded to a minute.
pub fn config(cases: u32) -> ProptestConfig {
    let defaults = ProptestConfig::default();
    let seed = match defaults.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => RandomState::new().build_hasher().finish(),
    };
    eprintln!("fuzz: {cases} cases; replay with PROPTEST_RNG_SEED={seed}");
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_time: 60_000,
        ..defaults
    }
}

/// One piece of damage to a document.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Cut the document here.
    Cut(Index),
    /// Overwrite a byte.
    Set(Index, u8),
    /// Insert bytes.
    Insert(Index, Vec<u8>),
    /// Remove up to this many bytes.
    Remove(Index, usize),
    /// Repeat a slice of up to this many bytes so many times in place (deep nesting, long runs).
    Repeat(Index, usize, usize),
}

/// `doc` with `edits` applied in order; every edit is valid at any length, including empty.
pub fn apply(mut doc: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = doc.len();
        match edit {
            Edit::Cut(at) => doc.truncate(at.index(len + 1)),
            Edit::Set(at, b) => {
                if len > 0 {
                    let i = at.index(len);
                    doc[i] = *b;
                }
            }
            Edit::Insert(at, bytes) => {
                let tail = doc.split_off(at.index(len + 1));
                doc.extend_from_slice(bytes);
                doc.extend_from_slice(&tail);
            }
            Edit::Remove(at, n) => {
                if len > 0 {
                    let i = at.index(len);
                    let tail = doc.split_off((i + n).min(len));
                    doc.truncate(i);
                    doc.extend_from_slice(&tail);
                }
            }
            Edit::Repeat(at, n, times) => {
                if len > 0 {
                    let i = at.index(len);
                    let tail = doc.split_off((i + n).min(len));
                    let piece = doc[i..].repeat(times - 1);
                    doc.extend_from_slice(&piece);
                    doc.extend_from_slice(&tail);
                }
            }
        }
    }
    doc
}
