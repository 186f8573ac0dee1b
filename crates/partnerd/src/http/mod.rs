//! Everything that speaks HTTP around the handlers: the wire layer (tracking headers,
//! negotiation, fault rendering), path normalisation and path parameters, request bodies,
//! replies, the one error type, the idempotency and operations layers, and the [`Caller`]
//! extractor that authenticates API requests.
//!
//! Handlers in [`crate::api`] and [`crate::control`] take their inputs from here already
//! parsed into domain types, and give back a [`reply::Reply`] or an [`error::ApiError`].

pub mod body;
pub mod caller;
pub mod context;
pub mod error;
pub mod idempotency;
pub mod operations;
pub mod origin;
pub mod params;
pub mod paths;
pub mod reply;
pub mod timeout;

pub use caller::Caller;
