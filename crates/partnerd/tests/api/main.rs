//! Integration tests: each drives a real partnerd over HTTP on loopback, with its own
//! database. One binary for all of them (see `[[test]]` in Cargo.toml).

mod cli;
mod common;
mod customers;
mod failures;
mod flows;
mod idempotency;
mod identity;
mod media;
mod multinode;
mod openapi;
mod ops;
mod paging;
mod portable;
mod profiles;
mod wire;
