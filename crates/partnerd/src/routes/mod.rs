//! The operation table's vocabulary: a [`Route`] (an operation and its handler) and the
//! OpenAPI document built from a list of them. The Partner Center resources ([`crate::api`])
//! and the control plane ([`crate::control`]) each list their routes with it, and
//! [`crate::app`] gathers both lists into the one table that builds the router and the
//! document, so neither can have an operation the other lacks.

pub mod openapi;
pub mod route;

pub use route::Route;
