//! Test support shared by partnerd's server tests, the SDK's tests and its doc tests.
//!
//! [`TestServer`] is a partnerd serving on a free loopback port with its own SQLite file and
//! one sandbox partner; the free functions build request bodies and read answers the way the
//! contract shapes them. [`postgres`] decides whether a missing PostgreSQL skips or fails.
//!
//! Everything but [`postgres`] needs the server, behind the default feature `server`.
//! partnerd-store's tests turn it off: they only need the PostgreSQL policy, so
//! `cargo test -p partnerd-store` does not build the whole server (which depends on
//! partnerd-store) to test a store. In a workspace build the feature is on for everyone.

pub mod postgres;

#[cfg(feature = "server")]
mod server;

#[cfg(feature = "server")]
pub use server::*;
