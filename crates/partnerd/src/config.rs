//! Server settings: how tokens are validated and minted, and the password-grant lockout.

use crate::auth::cloud::Cloud;

/// How the API validates bearer tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Signature, audience, issuer, lifetime, tenant, app (and user).
    #[default]
    Strict,
    /// Everything but the signature, so tests may mint their own tokens.
    Claims,
    /// Any bearer token; the caller is the bootstrap partner's first user.
    Off,
}

impl AuthMode {
    /// Parses `strict`, `claims` or `off`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "strict" => Some(Self::Strict),
            "claims" => Some(Self::Claims),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// Brute-force protection of the password checks (token password grant, sign-in pages); see
/// [`crate::auth::lockout`]. A threshold of 0 turns its rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures of one user from one source address within the window that lock that user
    /// from that address (only).
    pub user_threshold: u32,
    /// Failures from one source address within the window, across users, after which its
    /// further attempts are slowed down; no user is locked by them.
    pub source_threshold: u32,
    /// The window failures are counted in, and how long a lock lasts, in seconds.
    pub window_secs: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            user_threshold: 10,
            source_threshold: 100,
            window_secs: 60,
        }
    }
}

/// Everything configurable about a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Token validation mode.
    pub auth: AuthMode,
    /// The cloud whose names are minted and accepted.
    pub cloud: Cloud,
    /// Lifetime of access and ID tokens, in seconds.
    pub access_token_secs: i64,
    /// Lifetime of refresh tokens, in seconds.
    pub refresh_token_secs: i64,
    /// Password-grant lockout.
    pub lockout: LockoutPolicy,
    /// Whether the listener speaks TLS (discovery documents then advertise https).
    pub tls: bool,
    /// How long idempotency records are kept, in seconds.
    pub idempotency_secs: i64,
    /// Throttling of the Partner Center routes per partner: requests per window, when on.
    pub throttle: Option<(u32, std::time::Duration)>,
    /// How many requests the journal keeps (0: none).
    pub journal_capacity: usize,
    /// How many bytes of paths and bodies the journal keeps, at most.
    pub journal_bytes: usize,
    /// The control plane's bearer token; a random one when not given.
    pub admin_token: Option<String>,
    /// Limits on connections and slow clients.
    pub connections: ConnectionLimits,
    /// Which address-validation contract to answer with.
    pub address_validation: AddressValidation,
    /// How long Microsoft's review of an Education qualification takes, in seconds: it stays
    /// `InReview` that long, then the review rule decides (0: by the next read).
    pub qualification_review_secs: i64,
    /// How long the request history behind the MFA reports is kept, in days.
    pub request_history_days: u32,
    /// This node's name, kept with its idempotency leases so that, restarted after a crash
    /// under the same name, it releases what its dead process held.
    pub node: String,
}

/// Limits on connections and slow clients (see [`crate::server::serve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections served at once, per listener.
    pub max_connections: usize,
    /// Time to send a request's complete headers, and most time a kept-alive connection may
    /// sit idle before its next request.
    pub header_timeout: std::time::Duration,
    /// Longest stall between two chunks of a request body.
    pub body_timeout: std::time::Duration,
    /// How long a shutdown waits for running requests.
    pub drain_timeout: std::time::Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(30),
            drain_timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auth: AuthMode::Strict,
            cloud: Cloud::Public,
            access_token_secs: 3600,
            refresh_token_secs: 90 * 86_400,
            lockout: LockoutPolicy::default(),
            tls: false,
            idempotency_secs: 86_400,
            throttle: None,
            journal_capacity: 1000,
            journal_bytes: crate::ops::journal::DEFAULT_MAX_BYTES,
            admin_token: None,
            connections: ConnectionLimits::default(),
            node: "partnerd".to_owned(),
            qualification_review_secs: 0,
            request_history_days: 7,
            address_validation: AddressValidation::Current,
        }
    }
}

/// The contract of `POST /v1/validations/address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressValidation {
    /// Today's: 200 with `{originalAddress, suggestedAddresses, status, validationMessage}`.
    Current,
    /// Before 2021: 200 with an empty body when valid, else 400/2007 (what PowerShell
    /// 3.0.11's `New-PartnerCustomer` still expects).
    Legacy,
}
