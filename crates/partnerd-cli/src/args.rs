//! Argument groups several commands share: the database every store command opens, and the
//! TLS, token-service and operations flags of `serve`; with the value parsers behind them.
//!
//! Defaults and environment variables live here, in the `#[arg]` attributes, and nowhere
//! else: `--help` is the reference for them.

use std::path::PathBuf;

use clap::Args;
use partnerd::auth::cloud::Cloud;
use partnerd::config::{AuthMode, LockoutPolicy, Settings};
use partnerd_store::{DynStore, PartnerKind};

use crate::error::CliError;

/// The store a command works on.
#[derive(Args, Clone)]
pub struct Database {
    /// Database URL: sqlite://PATH (relative to the working directory) or sqlite:///ABS/PATH.
    #[arg(
        long,
        env = "PARTNERD_DATABASE",
        default_value = "sqlite://partnerd.db"
    )]
    pub database: String,
}

impl Database {
    /// Opens the store, creating or upgrading its schema.
    pub async fn open(&self) -> Result<DynStore, CliError> {
        partnerd_store::open(&self.database)
            .await
            .map_err(|source| CliError::Open {
                url: self.shown(),
                source,
            })
    }

    /// The URL fit for printing: any password replaced by `***`.
    pub fn shown(&self) -> String {
        shown(&self.database)
    }
}

/// A database URL fit for printing: any password replaced by `***`.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// How `serve` does https, if at all.
#[derive(Args)]
pub struct TlsArgs {
    /// Serve https with this certificate chain (PEM).
    #[arg(
        long,
        env = "PARTNERD_TLS_CERT",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "PARTNERD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve https with a local CA and certificate for localhost and 127.0.0.1, made once and
    /// kept in the database's directory under tls/.
    #[arg(long, env = "PARTNERD_TLS_SELF_SIGNED")]
    pub tls_self_signed: bool,
}

/// The control plane, the journal and throttling of `serve`.
#[derive(Args)]
pub struct OpsArgs {
    /// Throttle the Partner Center routes per partner (the documented profile: 500 requests a
    /// minute, as a token bucket).
    #[arg(long, env = "PARTNERD_THROTTLE")]
    pub throttle: bool,
    /// Requests per window allowed when throttling.
    #[arg(
        long,
        env = "PARTNERD_THROTTLE_LIMIT",
        default_value_t = 500,
        requires = "throttle"
    )]
    pub throttle_limit: u32,
    /// The throttling window, in seconds.
    #[arg(
        long,
        env = "PARTNERD_THROTTLE_WINDOW",
        default_value_t = 60,
        requires = "throttle"
    )]
    pub throttle_window: u64,
    /// How many requests the journal keeps (0: none).
    #[arg(long, env = "PARTNERD_JOURNAL_SIZE", default_value_t = 1000)]
    pub journal_size: usize,
    /// Most bytes of paths and bodies the journal keeps (each body cut at 16 KiB); the oldest
    /// entries go first.
    #[arg(long, env = "PARTNERD_JOURNAL_BYTES", default_value_t = partnerd::ops::journal::DEFAULT_MAX_BYTES)]
    pub journal_bytes: usize,
    /// The control plane's bearer token; if unset, one is made, printed once and kept beside
    /// the database, in DATABASE-FILE.admin-token (for PostgreSQL, partnerd-DATABASE.admin-token
    /// in the working directory).
    #[arg(long, env = "PARTNERD_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// Fault rules to load at start: a JSON file, `{"rules": [...]}` or `[...]`.
    #[arg(long, env = "PARTNERD_FAULTS")]
    pub faults: Option<PathBuf>,
    /// A seed file (JSON, or YAML) to apply before serving: partners, apps, users, links,
    /// customers and fault rules with fixed ids and secrets; applying it again changes
    /// nothing.
    #[arg(long, env = "PARTNERD_SEED")]
    pub seed: Option<PathBuf>,
    /// The contract of POST /v1/validations/address: current (200 with the validation's
    /// findings) or legacy (the pre-2021 one: 200 with no body when valid, else 400/2007),
    /// which PowerShell 3.0.11's New-PartnerCustomer still expects.
    #[arg(long, env = "PARTNERD_ADDRESS_VALIDATION", default_value = "current", value_parser = parse_address_validation)]
    pub address_validation: partnerd::config::AddressValidation,
    /// Seconds Microsoft's review of an Education qualification takes here: it stays InReview
    /// that long, then is Approved (Denied when the website's host contains "deny").
    #[arg(long, env = "PARTNERD_QUALIFICATION_REVIEW_DELAY", default_value_t = 0)]
    pub qualification_review_delay: u32,
    /// Days the request history behind the MFA reports is kept (the reports look back seven);
    /// 0 keeps none, and the reports answer empty.
    #[arg(long, env = "PARTNERD_REQUEST_HISTORY_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=365))]
    pub request_history_days: u32,
    /// This node's name: a node restarted after a crash under the same name releases the
    /// idempotency leases its dead process held on a shared (PostgreSQL) database, so retries
    /// need not wait for them to lapse. Default: HOST:PORT of the first --listen.
    #[arg(long, env = "PARTNERD_NODE")]
    pub node: Option<String>,
    /// Most connections served at once on each listener; more wait to be accepted.
    #[arg(long, env = "PARTNERD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a client has to send a request's headers, and that a kept-alive connection may
    /// sit idle before its next request.
    #[arg(long, env = "PARTNERD_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a request body may stall between two chunks before the request gets 408.
    #[arg(long, env = "PARTNERD_BODY_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,
}

impl OpsArgs {
    /// The connection limits these flags set.
    pub fn connections(&self) -> partnerd::config::ConnectionLimits {
        partnerd::config::ConnectionLimits {
            max_connections: self.max_connections as usize,
            header_timeout: std::time::Duration::from_secs(self.header_timeout),
            body_timeout: std::time::Duration::from_secs(self.body_timeout),
            ..Default::default()
        }
    }
}

/// The token service's settings for `serve`.
#[derive(Args)]
pub struct AuthArgs {
    /// Token validation: strict, claims (no signature check) or off (any bearer).
    #[arg(long, env = "PARTNERD_AUTH", default_value = "strict", value_parser = parse_auth)]
    pub auth: AuthMode,
    /// The cloud to pose as: public, usgov or china.
    #[arg(long, env = "PARTNERD_CLOUD", default_value = "public", value_parser = parse_cloud)]
    pub cloud: Cloud,
    /// Lifetime of access and ID tokens, in seconds (more than 300).
    #[arg(long, env = "PARTNERD_TOKEN_LIFETIME", default_value_t = 3600, value_parser = clap::value_parser!(i64).range(301..))]
    pub token_lifetime: i64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "PARTNERD_REFRESH_TOKEN_LIFETIME", default_value_t = 90 * 86_400, value_parser = clap::value_parser!(i64).range(60..))]
    pub refresh_token_lifetime: i64,
    /// Failed passwords for one user from one address, within the window, that lock that user
    /// out from that address (other addresses keep signing in; 0 = never).
    #[arg(long, env = "PARTNERD_LOCKOUT_THRESHOLD", default_value_t = 10)]
    pub lockout_threshold: u32,
    /// Failed passwords from one address across any users, within the window, after which its
    /// attempts are slowed down (no user is locked by it; 0 = never).
    #[arg(long, env = "PARTNERD_LOCKOUT_SOURCE_THRESHOLD", default_value_t = 100)]
    pub lockout_source_threshold: u32,
    /// The lockout window and lock duration, in seconds.
    #[arg(long, env = "PARTNERD_LOCKOUT_WINDOW", default_value_t = 60)]
    pub lockout_window: u64,
    /// How long responses are kept for MS-RequestId replays, in seconds.
    #[arg(long, env = "PARTNERD_IDEMPOTENCY_TTL", default_value_t = 86_400, value_parser = clap::value_parser!(i64).range(1..))]
    pub idempotency_ttl: i64,
}

impl AuthArgs {
    /// The server settings these flags choose; operations settings are left at their defaults
    /// for `serve` to fill in.
    pub fn settings(&self, tls: bool) -> Settings {
        Settings {
            auth: self.auth,
            cloud: self.cloud,
            access_token_secs: self.token_lifetime,
            refresh_token_secs: self.refresh_token_lifetime,
            lockout: LockoutPolicy {
                user_threshold: self.lockout_threshold,
                source_threshold: self.lockout_source_threshold,
                window_secs: self.lockout_window,
            },
            tls,
            idempotency_secs: self.idempotency_ttl,
            ..Settings::default()
        }
    }
}

/// `--address-validation`: current or legacy.
pub fn parse_address_validation(s: &str) -> Result<partnerd::config::AddressValidation, String> {
    match s.to_ascii_lowercase().as_str() {
        "current" => Ok(partnerd::config::AddressValidation::Current),
        "legacy" => Ok(partnerd::config::AddressValidation::Legacy),
        _ => Err(format!("'{s}' is not current or legacy")),
    }
}

/// `--auth`: strict, claims or off.
pub fn parse_auth(s: &str) -> Result<AuthMode, String> {
    AuthMode::parse(s)
        .ok_or_else(|| format!("'{s}' is not a validation mode: use strict, claims or off"))
}

/// `--cloud`: public, usgov or china.
pub fn parse_cloud(s: &str) -> Result<Cloud, String> {
    Cloud::parse(s).ok_or_else(|| format!("'{s}' is not a cloud: use public, usgov or china"))
}

/// `--kind`: sandbox or production.
pub fn parse_kind(s: &str) -> Result<PartnerKind, String> {
    PartnerKind::parse(s)
        .ok_or_else(|| format!("'{s}' is not a partner kind: use sandbox or production"))
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn printed_urls_hide_passwords() {
        assert_eq!(
            shown("postgres://u:secret@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(shown("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(shown("sqlite://partnerd.db"), "sqlite://partnerd.db");
    }
}
