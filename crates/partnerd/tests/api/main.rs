//! Integration tests: each drives a real partnerd over HTTP on loopback, with its own
//! database, started by `partnerd_testkit::TestServer` (shared with the SDK's tests). One
//! binary for all of them (see `[[test]]` in Cargo.toml); whole answers that are the contract
//! are pinned by insta snapshots in `snapshots/`.

mod agreements;
mod authentication;
mod connections;
mod customers;
mod dashboard;
mod failures;
mod flows;
mod fuzz;
mod idempotency;
mod incidents;
mod invitations;
mod managed_services;
mod markets;
mod media;
mod openapi;
mod ops;
mod paging;
mod profiles;
mod qualifications;
mod security;
mod seed_file;
mod self_serve;
mod shapes;
mod subscriptions;
mod token_service;
mod users;
mod validation_status;
mod verified_domains;
mod wire;
