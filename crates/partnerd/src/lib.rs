//! partnerd: a self-hosted, wire-compatible implementation of Microsoft Partner Center's
//! customer-accounts REST API.
//!
//! The server is a library: [`build_app`] returns the whole application as an axum
//! [`axum::Router`] over an explicit [`AppState`]; the `partnerd` binary is a thin command
//! line around it. Data flows one way: path normalisation → wire layer (tracking headers,
//! negotiation, fault rendering) → extractors (authentication, lenient body decoding) →
//! handler → store trait → back out through [`error::ApiError`] or [`reply::Reply`].

pub mod app;
pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod context;
pub mod customers;
pub mod domains;
pub mod error;
pub mod idempotency;
pub mod identity;
pub mod oauth;
pub mod openapi;
pub mod ops;
pub mod path_param;
pub mod paths;
pub mod profiles;
pub mod relationships;
pub mod reply;
pub mod server;
pub mod state;
pub mod tls;

pub use app::build_app;
pub use state::AppState;
