//! The `partnerd` command line: serve the API, manage partners, mint tokens, migrate.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
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
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: Database,
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
        .map_err(|e| format!("cannot open {}: {e}", db.database))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { listen, db } => {
            let store = open(&db).await?;
            if let Some(p) = bootstrap(&store).await.map_err(|e| e.to_string())? {
                println!("Created the bootstrap sandbox partner:");
                print_partner(&p, false);
            }
            let state = AppState::new(store).await.map_err(|e| e.to_string())?;
            let shutdown = shutdown_signal();
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            println!(
                "partnerd listening on http://{listen} (database {})",
                db.database
            );
            serve(listener, state, shutdown)
                .await
                .map_err(|e| e.to_string())
        }
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
        Command::Token { db, tenant, user } => {
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
            let (token, _) = partnerd::auth::mint(
                &keys,
                partnerd::auth::cloud::PARTNER_CENTER_RESOURCE,
                &app,
                user.as_ref(),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Migrate { db } => {
            open(&db).await?;
            println!("{} is up to date", db.database);
            Ok(())
        }
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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("partnerd: {e}");
            ExitCode::FAILURE
        }
    }
}
