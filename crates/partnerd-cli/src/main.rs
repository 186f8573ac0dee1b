//! The `partnerd` command line: serve the API, manage partners and keys, mint tokens, migrate,
//! export and import a store, and call any Partner Center endpoint as a client.
//!
//! This file is the command tree and the dispatch; each command group has its module, every
//! failure is a [`error::CliError`], and `main` turns it into one line on standard error and
//! an exit code.

mod args;
mod client;
mod error;
mod healthcheck;
mod keys;
mod migrate;
mod partner;
mod portable;
mod seed;
mod seed_file;
mod serve;
mod token;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use partnerd::auth::cloud::Cloud;

use crate::args::{parse_cloud, AuthArgs, Database, OpsArgs, TlsArgs};
use crate::client::{
    AddressesCommand, BillingCommand, Connection, CustomersCommand, DomainsCommand,
};
use crate::error::CliError;
use crate::keys::KeysCommand;
use crate::partner::PartnerCommand;

/// The server allocates and frees small buffers on every request: mimalloc does that with
/// less work than the C library's allocator (creates about a quarter faster, BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "partnerd",
    version,
    about = "A self-hosted, wire-compatible Partner Center customer-accounts API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the token service and the control plane.
    Serve {
        /// Address to listen on. Give it several times for one server on several sockets (all
        /// TLS when TLS is on), e.g. 127.0.0.1:8443 and 127.0.0.1:443 for MSAL's user-realm
        /// lookup; PARTNERD_LISTEN takes a comma-separated list.
        #[arg(
            long,
            env = "PARTNERD_LISTEN",
            default_value = "127.0.0.1:8080",
            value_delimiter = ','
        )]
        listen: Vec<SocketAddr>,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        tls: TlsArgs,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        ops: OpsArgs,
    },
    /// Manage token signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage partners.
    Partner {
        #[command(subcommand)]
        command: PartnerCommand,
    },
    /// Print an access token for a partner's app (and user), for curl.
    Token {
        #[command(flatten)]
        db: Database,
        /// The partner's tenant id or domain.
        #[arg(long)]
        tenant: String,
        /// Mint an app+user token for the partner's first user instead of an app-only token.
        #[arg(long)]
        user: bool,
        /// The cloud whose audience and issuer to use: public, usgov or china.
        #[arg(long, env = "PARTNERD_CLOUD", default_value = "public", value_parser = parse_cloud)]
        cloud: Cloud,
    },
    /// Apply or check a declarative seed file (partners, apps, users, links, customers and
    /// fault rules with fixed ids and secrets).
    SeedFile {
        #[command(subcommand)]
        command: seed_file::SeedFileCommand,
    },
    /// Ask a partnerd whether it is alive: exit 0 when it answers 200, 1 otherwise (the
    /// container image's health check, which has no curl).
    Healthcheck {
        /// The URL to ask. Default: /_partnerd/health on the first PARTNERD_LISTEN address
        /// (loopback for 0.0.0.0), https when PARTNERD_TLS_CERT or PARTNERD_TLS_SELF_SIGNED
        /// is set.
        url: Option<String>,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Write every partner, app, user, link, signing key, secret, GCC validation code, service
    /// incident and customer (with all it gathered) as JSON lines.
    Export {
        #[command(flatten)]
        db: Database,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load JSON lines written by `export` into an empty store.
    Import {
        #[command(flatten)]
        db: Database,
        /// Read from here instead of standard input.
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Client: list, show, create and delete customers on any endpoint.
    Customers {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: CustomersCommand,
    },
    /// Client: read and change customers' billing profiles.
    Billing {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: BillingCommand,
    },
    /// Client: check whether domains are taken.
    Domains {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: DomainsCommand,
    },
    /// Client: validate an address, or read a country's rules.
    Addresses {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: AddressesCommand,
    },
    /// Client: a customer's qualifications and the partner's GCC validation codes.
    Qualifications {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: client::QualificationsCommand,
    },
    /// Client: a customer's user accounts and directory roles (app+user credentials).
    Users {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: client::UsersCommand,
    },
    /// Client: confirm and read Microsoft Customer Agreement acceptance.
    Agreements {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: client::AgreementsCommand,
    },
    /// Client: the MFA reports (app+user credentials).
    Security {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: client::SecurityCommand,
    },
    /// Client: service incidents.
    Incidents {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        command: client::IncidentsCommand,
    },
    /// Client: create realistic customers (varied countries, valid addresses) through the API.
    Seed {
        #[command(flatten)]
        connection: Connection,
        /// How many customers to create.
        #[arg(long)]
        customers: usize,
        /// How many creates to keep in flight.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
    },
}

/// Runs one command. Most succeed or fail; `domains check` also answers with its exit code.
async fn run(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Serve {
            listen,
            db,
            tls,
            auth,
            ops,
        } => serve::run(listen, db, tls, auth, ops).await?,
        Command::Keys { command } => keys::run(command).await?,
        Command::Partner { command } => partner::run(command).await?,
        Command::Token {
            db,
            tenant,
            user,
            cloud,
        } => token::run(&db, &tenant, user, cloud).await?,
        Command::Migrate { db } => migrate::run(&db).await?,
        Command::Healthcheck { url } => healthcheck::run(url).await?,
        Command::SeedFile { command } => seed_file::run(command).await?,
        Command::Export { db, output } => portable::export(&db, output).await?,
        Command::Import { db, input } => portable::import(&db, input).await?,
        Command::Customers {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::customers::run(&api, &out, command).await?;
        }
        Command::Billing {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::billing::run(&api, &out, command).await?;
        }
        Command::Domains {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            return client::domains::run(&api, &out, command).await;
        }
        Command::Security {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::security::run(&api, &out, command).await?;
        }
        Command::Incidents {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::security::run_incidents(&api, &out, command).await?;
        }
        Command::Agreements {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::agreements::run(&api, &out, command).await?;
        }
        Command::Users {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::users::run(&api, &out, command).await?;
        }
        Command::Qualifications {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            client::qualifications::run(&api, &out, command).await?;
        }
        Command::Addresses {
            connection,
            command,
        } => {
            let (api, out) = connection.connect()?;
            return client::addresses::run(&api, &out, command).await;
        }
        Command::Seed {
            connection,
            customers,
            concurrency,
        } => {
            let (api, out) = connection.connect()?;
            seed::run(&api, &out, customers, usize::from(concurrency)).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only where a person reads them: a log file or a pipe gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return CliError::Runtime(e).report(),
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
