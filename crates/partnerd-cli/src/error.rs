//! The command line's one error type, and how a failure is reported: one `partnerd: …` line
//! on standard error and an exit code scripts can branch on.
//!
//! The commands that work on a store (`serve`, `keys`, `partner`, `token`, `migrate`,
//! `export`, `import`) exit 1 whatever went wrong. The client commands map the answer they got
//! to a code of its own (the `EXIT_*` constants), so a script can tell "not there" from
//! "not allowed" from "try again later". Usage errors are clap's, with its exit code 2.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use partnerd_sdk::Error as ApiError;
use partnerd_store::StoreError;

/// Exit code for every failure of the store commands.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for an answer of 404 (and `domains check` for a free domain).
pub const EXIT_NOT_FOUND: u8 = 3;
/// Exit code for 401 and 403, and token failures.
pub const EXIT_DENIED: u8 = 4;
/// Exit code for 409 and a stale ETag (400/2055): a conflict.
pub const EXIT_CONFLICT: u8 = 5;
/// Exit code for other 4xx answers (bad input).
pub const EXIT_INVALID: u8 = 6;
/// Exit code for 5xx, 429 after retries, timeouts and unreachable endpoints.
pub const EXIT_UNAVAILABLE: u8 = 7;
/// Exit code for a bad client configuration (missing credentials, bad URL, bad profile).
pub const EXIT_CONFIG: u8 = 8;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The database could not be opened or migrated. `url` is the URL as printed, with any
    /// password hidden.
    #[error("cannot open {url}: {source}")]
    Open {
        /// The database URL, fit for printing.
        url: String,
        /// What the store said.
        source: StoreError,
    },
    /// Any other store operation failed (including the serve lock and the data directory).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file the command was pointed at could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Other I/O: standard input, a directory to create.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The async runtime could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: io::Error,
    },
    /// `--tls-self-signed` could not make or load its CA and certificate.
    #[error("cannot make TLS material in {dir}: {source}")]
    TlsMaterial {
        /// The directory the material lives in.
        dir: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The certificate or key cannot be used to serve https.
    #[error(transparent)]
    Tls(io::Error),
    /// A seed file cannot be read or applied.
    #[error("seed file: {0}")]
    Seed(String),
    /// `healthcheck` found the server unreachable or unwell.
    #[error("unhealthy: {0}")]
    Unhealthy(String),
    /// The server stopped with an error.
    #[error(transparent)]
    Serve(io::Error),
    /// The `--faults` file could not be loaded.
    #[error("{0}")]
    Faults(String),
    /// A signing key could not be generated.
    #[error("{0}")]
    KeyGeneration(String),
    /// A token could not be minted.
    #[error("{0}")]
    Mint(String),
    /// `keys retire` of the only key left, which would stop every token validating.
    #[error("{0} is the only active key; run `partnerd keys rotate` first")]
    OnlyActiveKey(String),
    /// `keys retire` of a key id that is not active.
    #[error("no active key {0}")]
    NoSuchKey(String),
    /// No partner has this tenant id or domain.
    #[error("no partner {0}")]
    NoPartner(String),
    /// The partner has no app to mint a token for.
    #[error("the partner has no app")]
    NoApp,
    /// The partner has no user to mint an app+user token for.
    #[error("the partner has no user")]
    NoUser,
    /// An export record could not be encoded.
    #[error(transparent)]
    Encode(#[from] serde_json::Error),
    /// A line of an import is not an export record (`line` counts from 1).
    #[error("line {line}: {source}")]
    Record {
        /// The line number.
        line: usize,
        /// Why it does not decode.
        source: serde_json::Error,
    },
    /// The client's connection settings are wrong (exit 8).
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The endpoint answered, but without what the command needs (exit 3).
    #[error("{0}")]
    NotOffered(String),
    /// The endpoint (or the token service) refused, failed or could not be reached; the exit
    /// code follows the answer.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// What is wrong with a client connection's settings or its profile file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The profile file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The CA certificate to trust cannot be read; the message names where its path came
    /// from, since a bad path in PC_CA_CERT or a profile is easy to forget.
    #[error("cannot read the CA certificate {path} (--ca-cert, PC_CA_CERT or a profile's caCert): {source}")]
    CaCert {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The profile file is not a JSON object of profiles.
    #[error("{path}: {source}")]
    Profiles {
        /// The file.
        path: PathBuf,
        /// Why it does not decode.
        source: serde_json::Error,
    },
    /// `--profile` names a profile the file does not have.
    #[error("{path} has no profile '{name}'")]
    NoProfile {
        /// The file.
        path: PathBuf,
        /// The profile asked for.
        name: String,
    },
    /// A credential needed for the chosen grant is missing.
    #[error("{0} is required (or its PC_ variable)")]
    Missing(&'static str),
}

impl CliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) => EXIT_CONFIG,
            CliError::Api(e) => api_exit_code(e),
            CliError::NotOffered(_) => EXIT_NOT_FOUND,
            _ => EXIT_FAILURE,
        }
    }

    /// Prints the failure on standard error and returns its exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("partnerd: {self}");
        if let CliError::Api(e) = self {
            explain(e);
        }
        ExitCode::from(self.exit_code())
    }
}

/// The exit code for an endpoint's answer.
fn api_exit_code(e: &ApiError) -> u8 {
    match (e, e.status()) {
        (ApiError::Config(_), _) => EXIT_CONFIG,
        (ApiError::Auth { .. }, _) | (_, Some(401 | 403)) => EXIT_DENIED,
        (_, Some(404)) => EXIT_NOT_FOUND,
        (_, Some(409 | 412)) => EXIT_CONFLICT,
        // A stale ETag is 400/2055 on the wire but a conflict to whoever runs the command.
        _ if e.code() == Some(2055) => EXIT_CONFLICT,
        (_, Some(429)) | (_, Some(500..)) | (_, None) => EXIT_UNAVAILABLE,
        _ => EXIT_INVALID,
    }
}

/// The details of an endpoint's answer under its one-line message: the causes a transport
/// error hides in its sources (refused, certificate, DNS), the fault's code and data, and the
/// correlation id to quote to the service's owner.
fn explain(e: &ApiError) {
    let mut said = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !said.contains(&text) {
            eprintln!("  because: {text}");
        }
        said = text;
        source = cause.source();
    }
    if let Some(code) = e.code() {
        eprintln!("  code: {code}");
    }
    for d in e.data() {
        eprintln!("  data: {d}");
    }
    if let Some(id) = e.correlation_id() {
        eprintln!("  correlation id: {id}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_distinct_exit_codes() {
        assert_eq!(
            CliError::Api(ApiError::Config("x".into())).exit_code(),
            EXIT_CONFIG
        );
        assert_eq!(
            CliError::Config(ConfigError::Missing("--tenant")).exit_code(),
            EXIT_CONFIG
        );
        assert_eq!(
            CliError::NoPartner("nobody".into()).exit_code(),
            EXIT_FAILURE
        );
        assert_eq!(
            CliError::Store(StoreError::Config("x".into())).exit_code(),
            EXIT_FAILURE
        );
    }

    #[test]
    fn client_configuration_errors_read_as_before() {
        let e = CliError::Config(ConfigError::NoProfile {
            path: PathBuf::from("profiles.json"),
            name: "nowhere".into(),
        });
        assert_eq!(
            e.to_string(),
            "invalid configuration: profiles.json has no profile 'nowhere'"
        );
        assert_eq!(
            e.to_string(),
            ApiError::Config("profiles.json has no profile 'nowhere'".into()).to_string()
        );
        let e = CliError::Config(ConfigError::CaCert {
            path: PathBuf::from("ca.pem"),
            source: io::Error::from(io::ErrorKind::NotFound),
        });
        assert_eq!(e.exit_code(), EXIT_CONFIG);
        assert!(
            e.to_string().starts_with(
                "invalid configuration: cannot read the CA certificate ca.pem (--ca-cert, PC_CA_CERT or a profile's caCert): "
            ),
            "{e}"
        );
        let e = CliError::Config(ConfigError::Missing("--client-secret"));
        assert_eq!(
            e.to_string(),
            "invalid configuration: --client-secret is required (or its PC_ variable)"
        );
    }

    #[test]
    fn store_command_errors_read_as_before() {
        assert_eq!(
            CliError::OnlyActiveKey("k1".into()).to_string(),
            "k1 is the only active key; run `partnerd keys rotate` first"
        );
        assert_eq!(
            CliError::NoSuchKey("k2".into()).to_string(),
            "no active key k2"
        );
        let e = CliError::Open {
            url: "postgres://u:***@h/d".into(),
            source: StoreError::Config("refused".into()),
        };
        assert_eq!(e.to_string(), "cannot open postgres://u:***@h/d: refused");
    }
}
