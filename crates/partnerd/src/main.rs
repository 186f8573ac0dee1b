//! The `partnerd` command line: serve the API, manage partners, mint tokens, migrate, and
//! call any Partner Center endpoint as a client.

mod client;
mod seed;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use client::{BillingCommand, ClientCommand, Connection, CustomersCommand, DomainsCommand};
use partnerd::auth::cloud::Cloud;
use partnerd::config::{AuthMode, LockoutPolicy, Settings};
use partnerd::identity::{provision_partner, ProvisionedPartner};
use partnerd::server::{bootstrap, serve, shutdown_signal};
use partnerd::AppState;
use partnerd_store::{DynStore, PartnerKind};

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

#[derive(Args, Clone)]
struct Database {
    /// Database URL: sqlite://PATH (relative to the working directory) or sqlite:///ABS/PATH.
    #[arg(
        long,
        env = "PARTNERD_DATABASE",
        default_value = "sqlite://partnerd.db"
    )]
    database: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the token service and the control plane.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "PARTNERD_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
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
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: Database,
    },
    /// Write every partner, app, user, link, signing key, secret and customer as JSON lines.
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

#[derive(Args)]
struct TlsArgs {
    /// Serve https with this certificate chain (PEM).
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve https with a local CA and certificate for localhost and 127.0.0.1, made once and
    /// kept in the database's directory under tls/.
    #[arg(long)]
    tls_self_signed: bool,
}

#[derive(Args)]
struct OpsArgs {
    /// Throttle the Partner Center routes per partner (the documented profile: 500 requests a
    /// minute, as a token bucket).
    #[arg(long)]
    throttle: bool,
    /// Requests per window allowed when throttling.
    #[arg(long, default_value_t = 500, requires = "throttle")]
    throttle_limit: u32,
    /// The throttling window, in seconds.
    #[arg(long, default_value_t = 60, requires = "throttle")]
    throttle_window: u64,
    /// How many requests the journal keeps (0: none).
    #[arg(long, default_value_t = 1000)]
    journal_size: usize,
    /// The control plane's bearer token; if unset, one is made, printed once and kept beside
    /// the database (file admin-token).
    #[arg(long, env = "PARTNERD_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Fault rules to load at start: a JSON file, `{"rules": [...]}` or `[...]`.
    #[arg(long)]
    faults: Option<PathBuf>,
}

/// The admin token: given, or kept in the data directory (made and printed on first start).
fn admin_token(given: Option<String>, database: &str) -> Result<String, String> {
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_owned());
    }
    let dir = partnerd_store::data_dir(database).map_err(|e| e.to_string())?;
    let path = dir.join("admin-token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.trim().is_empty() {
            return Ok(existing.trim().to_owned());
        }
    }
    let token = partnerd::identity::generate_secret();
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    partnerd::tls::write_private(&path, &token)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!(
        "Control-plane admin token (kept in {}): {token}",
        path.display()
    );
    Ok(token)
}

#[derive(Args)]
struct AuthArgs {
    /// Token validation: strict, claims (no signature check) or off (any bearer).
    #[arg(long, env = "PARTNERD_AUTH", default_value = "strict", value_parser = parse_auth)]
    auth: AuthMode,
    /// The cloud to pose as: public, usgov or china.
    #[arg(long, env = "PARTNERD_CLOUD", default_value = "public", value_parser = parse_cloud)]
    cloud: Cloud,
    /// Lifetime of access and ID tokens, in seconds (more than 300).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(i64).range(301..))]
    token_lifetime: i64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, default_value_t = 90 * 86_400, value_parser = clap::value_parser!(i64).range(60..))]
    refresh_token_lifetime: i64,
    /// Failed passwords of one user, within the window, that lock the user (0 = never).
    #[arg(long, default_value_t = 10)]
    lockout_threshold: u32,
    /// Failed passwords from one address, within the window, that lock the address (0 = never).
    #[arg(long, default_value_t = 100)]
    lockout_source_threshold: u32,
    /// The lockout window and lock duration, in seconds.
    #[arg(long, default_value_t = 60)]
    lockout_window: u64,
    /// How long responses are kept for MS-RequestId replays, in seconds.
    #[arg(long, default_value_t = 86_400, value_parser = clap::value_parser!(i64).range(1..))]
    idempotency_ttl: i64,
}

impl AuthArgs {
    fn settings(&self, tls: bool) -> Settings {
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
            throttle: None,
            journal_capacity: 1000,
            admin_token: None,
        }
    }
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List the active signing keys, newest (the one that signs) first.
    List {
        #[command(flatten)]
        db: Database,
    },
    /// Add a new signing key; running servers sign with it within seconds. Old keys still
    /// validate until retired.
    Rotate {
        #[command(flatten)]
        db: Database,
    },
    /// Retire a key: tokens it signed stop validating.
    Retire {
        #[command(flatten)]
        db: Database,
        /// The key id (`kid`).
        kid: String,
    },
}

#[derive(Subcommand)]
enum PartnerCommand {
    /// Create a partner with an app and an MFA-registered user; prints their credentials once.
    Create {
        #[command(flatten)]
        db: Database,
        /// Display name.
        #[arg(long)]
        name: String,
        /// `sandbox` (may delete customers, capped) or `production`.
        #[arg(long, default_value = "sandbox", value_parser = parse_kind)]
        kind: PartnerKind,
        /// Most customers a sandbox partner may hold (default 75; 0 = no cap).
        #[arg(long)]
        customer_cap: Option<u32>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make one partner an indirect provider of another.
    Link {
        #[command(flatten)]
        db: Database,
        /// Tenant id of the indirect provider.
        #[arg(long)]
        provider: String,
        /// Tenant id of the indirect reseller.
        #[arg(long)]
        reseller: String,
    },
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

fn parse_auth(s: &str) -> Result<AuthMode, String> {
    AuthMode::parse(s)
        .ok_or_else(|| format!("'{s}' is not a validation mode: use strict, claims or off"))
}

fn parse_cloud(s: &str) -> Result<Cloud, String> {
    Cloud::parse(s).ok_or_else(|| format!("'{s}' is not a cloud: use public, usgov or china"))
}

fn parse_kind(s: &str) -> Result<PartnerKind, String> {
    PartnerKind::parse(s)
        .ok_or_else(|| format!("'{s}' is not a partner kind: use sandbox or production"))
}

fn print_partner(p: &ProvisionedPartner, json: bool) {
    if json {
        println!("{}", serde_json::to_string(p).unwrap_or_default());
        return;
    }
    println!("tenant id:      {}", p.tenant_id);
    println!("name:           {}", p.name);
    println!("kind:           {}", p.kind.as_str());
    println!("domain:         {}", p.domain);
    println!("client id:      {}", p.client_id);
    println!("client secret:  {}", p.client_secret);
    println!("user name:      {}", p.user_name);
    println!("user password:  {}", p.user_password);
    println!("(the secret and password are shown only now; they are stored as hashes)");
}

async fn open(db: &Database) -> Result<DynStore, String> {
    partnerd_store::open(&db.database)
        .await
        .map_err(|e| format!("cannot open {}: {e}", shown(&db.database)))
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            listen,
            db,
            tls,
            auth,
            ops,
        } => {
            let _serving =
                partnerd_store::lock_for_serving(&db.database).map_err(|e| e.to_string())?;
            let store = open(&db).await?;
            if let Some(p) = bootstrap(&store).await.map_err(|e| e.to_string())? {
                println!("Created the bootstrap sandbox partner:");
                print_partner(&p, false);
            }
            let tls_config = match (&tls.tls_cert, &tls.tls_key, tls.tls_self_signed) {
                (Some(cert), Some(key), _) => {
                    Some(partnerd::tls::server_config(cert, key).map_err(|e| e.to_string())?)
                }
                (_, _, true) => {
                    let dir = partnerd_store::data_dir(&db.database)
                        .map_err(|e| e.to_string())?
                        .join("tls");
                    let files = partnerd::tls::self_signed(&dir).map_err(|e| {
                        format!("cannot make TLS material in {}: {e}", dir.display())
                    })?;
                    println!(
                        "TLS CA certificate (trust it in your clients): {}",
                        files.ca.display()
                    );
                    Some(
                        partnerd::tls::server_config(&files.cert, &files.key)
                            .map_err(|e| e.to_string())?,
                    )
                }
                _ => None,
            };
            let mut settings = auth.settings(tls_config.is_some());
            settings.throttle = ops.throttle.then(|| {
                (
                    ops.throttle_limit,
                    std::time::Duration::from_secs(ops.throttle_window.max(1)),
                )
            });
            settings.journal_capacity = ops.journal_size;
            settings.admin_token = Some(admin_token(ops.admin_token, &db.database)?);
            let state = AppState::with_settings(store, settings)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(file) = &ops.faults {
                let n = state.ops.faults.load_file(file)?;
                println!("Loaded {n} fault rule(s) from {}", file.display());
            }
            let shutdown = shutdown_signal();
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            match tls_config {
                Some(config) => {
                    println!(
                        "partnerd listening on https://{listen} (database {})",
                        db.database
                    );
                    let listener = partnerd::tls::TlsListener::new(listener, config)
                        .map_err(|e| e.to_string())?;
                    serve(listener, state, shutdown)
                        .await
                        .map_err(|e| e.to_string())
                }
                None => {
                    println!(
                        "partnerd listening on http://{listen} (database {})",
                        db.database
                    );
                    serve(listener, state, shutdown)
                        .await
                        .map_err(|e| e.to_string())
                }
            }
        }
        Command::Keys { command } => match command {
            KeysCommand::List { db } => {
                let store = open(&db).await?;
                for k in store.signing_keys().await.map_err(|e| e.to_string())? {
                    println!("{}\tcreated {}", k.kid, k.created_at);
                }
                Ok(())
            }
            KeysCommand::Rotate { db } => {
                let store = open(&db).await?;
                let key = partnerd::auth::keys::generate_key()?;
                let kid = key.kid.clone();
                store
                    .add_signing_key(key)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("{kid}");
                Ok(())
            }
            KeysCommand::Retire { db, kid } => {
                let store = open(&db).await?;
                let active = store.signing_keys().await.map_err(|e| e.to_string())?;
                if active.len() == 1 && active[0].kid == kid {
                    return Err(format!(
                        "{kid} is the only active key; run `partnerd keys rotate` first"
                    ));
                }
                if store
                    .retire_signing_key(&kid)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    println!("retired {kid}");
                    Ok(())
                } else {
                    Err(format!("no active key {kid}"))
                }
            }
        },
        Command::Partner { command } => match command {
            PartnerCommand::Create {
                db,
                name,
                kind,
                customer_cap,
                json,
            } => {
                let store = open(&db).await?;
                let p = provision_partner(store.as_ref(), &name, kind, customer_cap)
                    .await
                    .map_err(|e| e.to_string())?;
                print_partner(&p, json);
                Ok(())
            }
            PartnerCommand::Link {
                db,
                provider,
                reseller,
            } => {
                let store = open(&db).await?;
                store
                    .link_partners(&provider.to_lowercase(), &reseller.to_lowercase())
                    .await
                    .map_err(|e| e.to_string())?;
                println!("{provider} is now an indirect provider of {reseller}");
                Ok(())
            }
        },
        Command::Token {
            db,
            tenant,
            user,
            cloud,
        } => {
            let store = open(&db).await?;
            let partner = match store
                .partner(&tenant.to_lowercase())
                .await
                .map_err(|e| e.to_string())?
            {
                Some(p) => p,
                None => store
                    .partner_by_domain(&tenant)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no partner {tenant}"))?,
            };
            let app = store
                .apps_of(&partner.tenant_id)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or("the partner has no app")?;
            let user = if user {
                Some(
                    store
                        .users_of(&partner.tenant_id)
                        .await
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .next()
                        .ok_or("the partner has no user")?,
                )
            } else {
                None
            };
            let keys = partnerd::auth::keys::KeyRing::open(store)
                .await
                .map_err(|e| e.to_string())?;
            let settings = Settings {
                cloud,
                ..Settings::default()
            };
            let (token, _) =
                partnerd::auth::mint(&keys, &settings, cloud.resource(), &app, user.as_ref())?;
            println!("{token}");
            Ok(())
        }
        Command::Export { db, output } => {
            let store = open(&db).await?;
            let records = partnerd_store::portable::export(store.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            let mut text = String::new();
            for record in &records {
                text.push_str(&serde_json::to_string(record).map_err(|e| e.to_string())?);
                text.push('\n');
            }
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => print!("{text}"),
            }
            eprintln!("exported {} records", records.len());
            Ok(())
        }
        Command::Import { db, input } => {
            let text = match input {
                Some(path) => std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
                None => std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?,
            };
            let records = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
                .collect::<Result<Vec<partnerd_store::ExportRecord>, String>>()?;
            let store = open(&db).await?;
            let n = partnerd_store::portable::import(store.as_ref(), records)
                .await
                .map_err(|e| e.to_string())?;
            println!("imported {n} records into {}", shown(&db.database));
            Ok(())
        }
        Command::Migrate { db } => {
            open(&db).await?;
            println!("{} is up to date", shown(&db.database));
            Ok(())
        }
        Command::Customers { .. }
        | Command::Billing { .. }
        | Command::Domains { .. }
        | Command::Seed { .. } => Err("client commands are run by client::run".to_owned()),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("partnerd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Client commands choose their own exit codes; the others succeed or fail.
    let (connection, command) = match cli.command {
        Command::Customers {
            connection,
            command,
        } => (connection, ClientCommand::Customers(command)),
        Command::Billing {
            connection,
            command,
        } => (connection, ClientCommand::Billing(command)),
        Command::Domains {
            connection,
            command,
        } => (connection, ClientCommand::Domains(command)),
        Command::Seed {
            connection,
            customers,
            concurrency,
        } => (
            connection,
            ClientCommand::Seed {
                customers,
                concurrency: usize::from(concurrency),
            },
        ),
        other => return finish(runtime.block_on(run(other))),
    };
    runtime.block_on(client::run(connection, command))
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("partnerd: {e}");
            ExitCode::FAILURE
        }
    }
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
