//! `partnerd partner create|link`: provision partners (an app and an MFA-registered user each)
//! and indirect-provider links, straight in the store, beside a running server or without one.

use clap::Subcommand;
use partnerd::identity::{provision_partner, ProvisionedPartner};
use partnerd_store::{PartnerKind, StoreError, TenantId};

use crate::args::{parse_kind, Database};
use crate::error::CliError;

/// `partnerd partner ...`
#[derive(Subcommand)]
pub enum PartnerCommand {
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

/// Runs a `partner` command.
pub async fn run(command: PartnerCommand) -> Result<(), CliError> {
    match command {
        PartnerCommand::Create {
            db,
            name,
            kind,
            customer_cap,
            json,
        } => {
            let store = db.open().await?;
            let p = provision_partner(store.as_ref(), &name, kind, customer_cap).await?;
            print_partner(&p, json);
        }
        PartnerCommand::Link {
            db,
            provider,
            reseller,
        } => {
            let store = db.open().await?;
            let tenant = |raw: &str| {
                TenantId::parse(raw).map_err(|_| StoreError::UnknownPartner(raw.to_lowercase()))
            };
            store
                .link_partners(&tenant(&provider)?, &tenant(&reseller)?)
                .await?;
            println!("{provider} is now an indirect provider of {reseller}");
        }
    }
    Ok(())
}

/// Prints a new partner's credentials: one JSON object (`tenantId`, `clientSecret`, ...), or
/// aligned `label: value` lines that scripts may read by their labels.
pub fn print_partner(p: &ProvisionedPartner, json: bool) {
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
