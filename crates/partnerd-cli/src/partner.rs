//! `partnerd partner create|list|show|reset-secret|link`: provision partners (an app and an
//! MFA-registered user each), look at them, replace their credentials, and link indirect
//! providers to resellers, straight in the store, beside a running server or without one.
//!
//! Secrets and passwords are stored only as hashes: they are printed once, by the command that
//! makes them (`create`, `reset-secret`), and `list` and `show` cannot print them.

use clap::Subcommand;
use partnerd::control::partners::{PartnerDetails, PartnerSummary};
use partnerd::identity::{provision_partner, reset_credentials, ProvisionedPartner};
use partnerd_store::{AppRecord, PartnerKind, PartnerRecord, Store, TenantId, UserRecord};

use crate::args::{parse_kind, Database};
use crate::client::output::table;
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
    /// List every partner, oldest first.
    List {
        #[command(flatten)]
        db: Database,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one partner: its apps' client ids, its users' names and its links (no secrets).
    Show {
        #[command(flatten)]
        db: Database,
        /// The partner's tenant id or domain.
        tenant: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give a partner's app a new client secret and its user a new password; prints them once.
    /// The old ones stop working at once.
    ResetSecret {
        #[command(flatten)]
        db: Database,
        /// The partner's tenant id or domain.
        tenant: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make one partner an indirect provider of another.
    Link {
        #[command(flatten)]
        db: Database,
        /// Tenant id or domain of the indirect provider.
        #[arg(long)]
        provider: String,
        /// Tenant id or domain of the indirect reseller.
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
        PartnerCommand::List { db, json } => {
            let store = db.open().await?;
            let partners: Vec<PartnerSummary> = store
                .all_partners()
                .await?
                .into_iter()
                .map(PartnerSummary::from)
                .collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&partners)?);
            } else {
                let rows: Vec<Vec<String>> = partners
                    .iter()
                    .map(|p| {
                        vec![
                            p.tenant_id.clone(),
                            p.name.clone(),
                            p.kind.as_str().to_owned(),
                            p.domain.clone(),
                            cap_text(p.customer_cap),
                        ]
                    })
                    .collect();
                println!(
                    "{}",
                    table(
                        &["TENANT ID", "NAME", "KIND", "DOMAIN", "CUSTOMER CAP"],
                        &rows
                    )
                );
            }
        }
        PartnerCommand::Show { db, tenant, json } => {
            let store = db.open().await?;
            let partner = resolve_partner(store.as_ref(), &tenant).await?;
            let details = PartnerDetails::read(store.as_ref(), partner).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&details)?);
            } else {
                print_details(&details);
            }
        }
        PartnerCommand::ResetSecret { db, tenant, json } => {
            let store = db.open().await?;
            let partner = resolve_partner(store.as_ref(), &tenant).await?;
            let app = first_app(store.as_ref(), &partner).await?;
            let user = first_user(store.as_ref(), &partner).await?;
            let new = reset_credentials(store.as_ref(), &app, &user).await?;
            if json {
                println!("{}", serde_json::to_string(&new)?);
            } else {
                label("tenant id", &new.tenant_id);
                label("client id", &new.client_id);
                label("client secret", &new.client_secret);
                label("user name", &new.user_name);
                label("user password", &new.user_password);
                println!("(the secret and password are shown only now; they are stored as hashes)");
            }
        }
        PartnerCommand::Link {
            db,
            provider,
            reseller,
        } => {
            let store = db.open().await?;
            let provider_record = resolve_partner(store.as_ref(), &provider).await?;
            let reseller_record = resolve_partner(store.as_ref(), &reseller).await?;
            store
                .link_partners(&provider_record.tenant_id, &reseller_record.tenant_id)
                .await?;
            println!("{provider} is now an indirect provider of {reseller}");
        }
    }
    Ok(())
}

/// The partner's first app: the one `partner create` made.
pub async fn first_app(store: &dyn Store, partner: &PartnerRecord) -> Result<AppRecord, CliError> {
    store
        .apps_of(&partner.tenant_id)
        .await?
        .into_iter()
        .next()
        .ok_or(CliError::NoApp)
}

/// The partner's first user: the one `partner create` made.
pub async fn first_user(
    store: &dyn Store,
    partner: &PartnerRecord,
) -> Result<UserRecord, CliError> {
    store
        .users_of(&partner.tenant_id)
        .await?
        .into_iter()
        .next()
        .ok_or(CliError::NoUser)
}

/// The partner a command line names: a GUID is a tenant id, anything else (or a GUID that no
/// partner has) a domain, the way the token service reads `{tenant}`.
pub async fn resolve_partner(store: &dyn Store, tenant: &str) -> Result<PartnerRecord, CliError> {
    let by_id = match TenantId::parse(tenant) {
        Ok(id) => store.partner(&id).await?,
        Err(_) => None,
    };
    match by_id {
        Some(p) => Ok(p),
        None => store
            .partner_by_domain(tenant.trim())
            .await?
            .ok_or_else(|| CliError::NoPartner(tenant.to_owned())),
    }
}

/// `label: value` lines of a partner, one per app, user and link; a script reads them by
/// label.
fn print_details(details: &PartnerDetails) {
    let p = &details.partner;
    label("tenant id", &p.tenant_id);
    label("name", &p.name);
    label("kind", p.kind.as_str());
    label("domain", &p.domain);
    label("customer cap", &cap_text(p.customer_cap));
    label("mpn id", &details.mpn_id);
    for a in &details.apps {
        label("client id", &a.client_id);
    }
    for u in &details.users {
        label("user name", &u.user_name);
    }
    for l in &details.indirect_resellers {
        label(
            "indirect reseller",
            &format!("{} ({})", l.tenant_id, l.domain),
        );
    }
    for l in &details.indirect_providers {
        label(
            "indirect provider",
            &format!("{} ({})", l.tenant_id, l.domain),
        );
    }
}

/// A customer cap as people read it: 0 means none.
fn cap_text(cap: u32) -> String {
    if cap == 0 {
        "none".to_owned()
    } else {
        cap.to_string()
    }
}

/// One aligned `label: value` line, the form scripts may read by its label.
fn label(name: &str, value: &str) {
    println!("{:<15} {value}", format!("{name}:"));
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
