//! The one error type of every backend. Backend-specific failures (SQLite's and PostgreSQL's
//! unique violations, busy errors) are normalised here before the HTTP layer sees them.

use thiserror::Error;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The one wording of a database URL that cannot be used, whichever part of it is wrong: the
/// command line names the URL itself (its password hidden) in front of this.
pub(crate) fn invalid_url(what: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!(
        "invalid database URL: {what}; expected sqlite://PATH, sqlite:///ABS/PATH or postgres://USER:PASSWORD@HOST/DATABASE"
    ))
}

/// What can go wrong in a store, in domain terms.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// The customer does not exist.
    #[error("customer not found")]
    CustomerNotFound,
    /// The customer exists but the partner has no relationship with it.
    #[error("no relationship between partner and customer")]
    NoRelationship,
    /// Another customer already holds the domain.
    #[error("domain already taken")]
    DomainTaken,
    /// The sandbox partner has reached its customer cap.
    #[error("customer cap of {0} reached")]
    CapReached(u32),
    /// The ETag given no longer matches the stored one.
    #[error("etag mismatch")]
    EtagMismatch,
    /// A PATCH asked to remove something that is not there.
    #[error("nothing to remove")]
    NothingToRemove,
    /// An indirect reseller asked to remove its relationship with a customer: only the
    /// indirect provider may.
    #[error("an indirect reseller cannot remove its customer relationship")]
    RemovalByIndirectReseller,
    /// The partner still has active subscriptions on the customer (their ids), so it may not
    /// remove its reseller relationship.
    #[error("active subscriptions: {0:?}")]
    ActiveSubscriptions(Vec<String>),
    /// A qualification cannot be added.
    #[error("qualification refused: {0:?}")]
    Qualification(crate::lifecycle::QualificationRefusal),
    /// A unique key (tenant id, client id, user name) is taken.
    #[error("duplicate {0}")]
    Duplicate(String),
    /// A referenced partner does not exist.
    #[error("unknown partner {0}")]
    UnknownPartner(String),
    /// The database URL or configuration is wrong.
    #[error("{0}")]
    Config(String),
    /// The store cannot be reached or is locked; worth retrying.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else; details are for the log only.
    #[error("store failure: {0}")]
    Internal(String),
}

/// A stored JSON document (a customer record, a server-wide document) read back; one that
/// does not parse is `Internal`, as the store wrote it.
pub(crate) fn parse_stored(body: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::Internal(format!("stored document is unreadable: {e}")))
}
