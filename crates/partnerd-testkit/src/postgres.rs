//! The PostgreSQL server partnerd's tests use, and what happens when it does not answer.
//!
//! Locally, a test that needs PostgreSQL and finds none says so loudly and returns, so
//! `cargo test` works with nothing but a Rust toolchain. In CI (`CI=true`), or whenever
//! `PARTNERD_TEST_POSTGRES` is set, the same test fails: a green run there proves that the
//! second backend really ran.

use std::io::Write;

/// The default server, as `.ci/postgres.sh` sets it up.
pub const DEFAULT_URL: &str = "postgres://partnerd:partnerd@127.0.0.1:5432/partnerd";

/// The test server's URL: `PARTNERD_TEST_POSTGRES`, or [`DEFAULT_URL`].
pub fn server_url() -> String {
    std::env::var("PARTNERD_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// Whether an unreachable server must fail the test rather than skip it.
pub fn required() -> bool {
    std::env::var_os("PARTNERD_TEST_POSTGRES").is_some()
        || std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reports that the server did not answer: panics when [`required`], otherwise writes a loud
/// line straight to stderr (past the harness's capture) so the caller can skip.
pub fn unreachable(why: impl std::fmt::Display) {
    let server = server_url();
    if required() {
        panic!(
            "PostgreSQL is required here (CI or PARTNERD_TEST_POSTGRES is set) but {server} \
             does not answer: {why}"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n*** PostgreSQL not reachable at {server} ({why}): skipping this PostgreSQL test; \
         run .ci/postgres.sh as root or set PARTNERD_TEST_POSTGRES ***\n"
    );
}
