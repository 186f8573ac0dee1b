//! Operational building blocks: metrics, the request journal, throttling and fault injection.
//!
//! Each module is self-contained and synchronous: the state lives behind an `Arc` in the
//! application state, the middleware calls into it on every request, and no lock is ever held
//! across an `.await`. Wiring into the middleware and the control plane (`/_partnerd/`) lives
//! elsewhere, so these types can be tested without a server.

pub mod faults;
pub mod journal;
pub mod metrics;
pub mod throttle;
