//! The error type of every operation.

use std::time::Duration;

/// Tracking ids of the logical operation that failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    /// The `MS-CorrelationId` sent (the client's).
    pub correlation_id: Option<String>,
    /// The `MS-RequestId` sent (the same on every attempt of the operation).
    pub request_id: Option<String>,
}

/// What can go wrong when calling Partner Center.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status. Partner Center faults
    /// (`{"code","description","data","source"}`) and the gateway's throttling body
    /// (`{"statusCode","message"}`) are both decoded into this variant.
    #[error("Partner Center answered {status}{}: {description} (request id {})",
        code.map(|c| format!(" with code {c}")).unwrap_or_default(),
        tracking.request_id.as_deref().unwrap_or("-"))]
    Api {
        /// HTTP status.
        status: u16,
        /// The fault's numeric code, when the body had one.
        code: Option<i64>,
        /// The fault's description (or the gateway's message, or the raw body).
        description: String,
        /// The fault's `data`.
        data: Vec<String>,
        /// `Retry-After`, when the answer carried one.
        retry_after: Option<Duration>,
        /// Ids of the operation (boxed to keep `Result`s small).
        tracking: Box<Tracking>,
    },
    /// The token service refused to issue a token.
    #[error("the token service answered {status}: {error}: {description}")]
    Auth {
        /// HTTP status.
        status: u16,
        /// The OAuth `error` (`invalid_client`, `invalid_grant`, ...).
        error: String,
        /// `error_description`.
        description: String,
        /// Entra's `error_codes` (AADSTS numbers).
        error_codes: Vec<i64>,
        /// Ids of the operation (boxed to keep `Result`s small).
        tracking: Box<Tracking>,
    },
    /// The request could not be sent or its answer could not be read (connection refused or
    /// dropped, timeout), after every retry.
    #[error("transport error: {source}")]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// Ids of the operation (boxed to keep `Result`s small).
        tracking: Box<Tracking>,
    },
    /// A successful answer whose body could not be decoded.
    #[error("could not decode the {status} answer: {message}")]
    Decode {
        /// HTTP status.
        status: u16,
        /// What went wrong.
        message: String,
        /// Ids of the operation (boxed to keep `Result`s small).
        tracking: Box<Tracking>,
    },
    /// The client was configured wrongly (no credentials, a bad URL, a bad header value).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Auth { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            Error::Config(_) => None,
        }
    }

    /// The Partner Center error code (or the first Entra error code).
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api { code, .. } => *code,
            Error::Auth { error_codes, .. } => error_codes.first().copied(),
            _ => None,
        }
    }

    /// The fault's description.
    pub fn description(&self) -> Option<&str> {
        match self {
            Error::Api { description, .. } | Error::Auth { description, .. } => Some(description),
            _ => None,
        }
    }

    /// The fault's `data`; empty when there is none.
    pub fn data(&self) -> &[String] {
        match self {
            Error::Api { data, .. } => data,
            _ => &[],
        }
    }

    fn tracking(&self) -> Option<&Tracking> {
        match self {
            Error::Api { tracking, .. }
            | Error::Auth { tracking, .. }
            | Error::Transport { tracking, .. }
            | Error::Decode { tracking, .. } => Some(tracking),
            Error::Config(_) => None,
        }
    }

    /// The `MS-CorrelationId` of the failed operation.
    pub fn correlation_id(&self) -> Option<&str> {
        self.tracking()?.correlation_id.as_deref()
    }

    /// The `MS-RequestId` of the failed operation.
    pub fn request_id(&self) -> Option<&str> {
        self.tracking()?.request_id.as_deref()
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
