//! partnerd: a self-hosted, wire-compatible implementation of Microsoft Partner Center's
//! customer-accounts REST API.
//!
//! The server is a library: [`build_app`] returns the whole application (an axum router behind
//! path normalisation) over an explicit [`AppState`]; the `partnerd` binary (crate
//! `partnerd-cli`), the tests and any embedding program run that same function. Data flows
//! one way: path normalisation → the router, which picks the route → the [`http`] layers
//! (tracking headers, operations, idempotency) → extractors (the caller, path ids, lenient
//! bodies) → an [`api`] or [`control`] handler → a store trait → back out through
//! [`http::error::ApiError`] or [`http::reply::Reply`]. Handlers never write SQL; stores never
//! see HTTP.
//!
//! - [`http`]: everything that speaks HTTP around the handlers;
//! - [`api`]: the Partner Center operations, one module per resource;
//! - [`routes`]: the operation table's vocabulary (`Route`) and the OpenAPI document builder;
//!   [`app::operations`] is the one table that builds both the router and the document;
//! - [`control`]: the `/_partnerd/` plane;
//! - [`auth`]: token verification, signing keys, JWTs, lockout and minting (no HTTP);
//! - [`oauth`]: the Entra-shaped token service, its pages and discovery documents;
//! - [`ops`]: metrics, the request journal, faults and throttling (no HTTP);
//! - [`identity`]: provisioning partners, apps and users, and secret hashing;
//! - [`app`], [`state`], [`config`]: the application, its state and its settings;
//! - [`server`], [`tls`]: serving a listener, plain or TLS, until shutdown;
//! - [`clock`]: the timestamp format Entra uses (the time itself is the store's clock).

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod control;
pub mod http;
pub mod identity;
pub mod oauth;
pub mod ops;
pub mod routes;
pub mod seed_file;
pub mod server;
pub mod state;
pub mod tls;

pub use app::build_app;
pub use state::AppState;
