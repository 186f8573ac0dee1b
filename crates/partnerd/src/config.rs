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

/// Brute-force protection of the password checks (token password grant, sign-in pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures of one user within the window that lock that user.
    pub user_threshold: u32,
    /// Failures from one source address within the window that lock that source.
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
    /// The control plane's bearer token; a random one when not given.
    pub admin_token: Option<String>,
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
            admin_token: None,
        }
    }
}
