//! `partnerd customers list|get|create|delete|remove-relationship`: a partner's customers on
//! any endpoint, as a table or as the wire's JSON.

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use partnerd_sdk::wire::{Address, Customer, CustomerBillingProfile, CustomerCompanyProfile};
use partnerd_sdk::PartnerCenter;

use super::address::AddressArgs;
use super::output::{table, text, Output};
use crate::error::CliError;

/// `partnerd customers ...`
#[derive(Subcommand)]
// Parsed once per process: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum CustomersCommand {
    /// List the partner's customers, following continuation tokens.
    List {
        /// Stop after this many customers (all when unset).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one customer.
    Get { id: String },
    /// Create a customer.
    Create(NewCustomer),
    /// Delete a customer (integration-sandbox partners only).
    Delete { id: String },
    /// End the reseller relationship with a customer.
    RemoveRelationship { id: String },
}

/// The fields of a new customer.
#[derive(Args)]
pub struct NewCustomer {
    /// The customer's initial domain prefix or full `.onmicrosoft.com` domain.
    #[arg(long)]
    domain: String,
    #[arg(long)]
    company: String,
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "en-US")]
    culture: String,
    #[arg(long, default_value = "en")]
    language: String,
    #[command(flatten)]
    address: AddressArgs,
}

impl NewCustomer {
    /// The customer to send: a bare domain prefix gets `.onmicrosoft.com`.
    fn into_customer(self) -> Customer {
        let domain = if self.domain.contains('.') {
            self.domain
        } else {
            format!("{}.onmicrosoft.com", self.domain)
        };
        Customer {
            company_profile: Some(CustomerCompanyProfile {
                domain: Some(domain),
                ..Default::default()
            }),
            billing_profile: Some(CustomerBillingProfile {
                email: Some(self.email),
                culture: Some(self.culture),
                language: Some(self.language),
                company_name: Some(self.company),
                default_address: Some(self.address.into_address(Address::default())),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

const CUSTOMER_HEADERS: [&str; 4] = ["ID", "COMPANY", "DOMAIN", "RELATIONSHIP"];

fn customer_row(c: &Customer) -> Vec<String> {
    let company = c.company_profile.as_ref();
    let relationship = serde_json::to_value(c.relationship_to_partner)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    vec![
        text(&c.id),
        text(&company.and_then(|p| p.company_name.clone())),
        text(&company.and_then(|p| p.domain.clone())),
        relationship,
    ]
}

/// Runs a `customers` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: CustomersCommand,
) -> Result<(), CliError> {
    let ops = client.customers();
    match command {
        CustomersCommand::List { limit } => {
            let stream = ops.all();
            futures_util::pin_mut!(stream);
            let mut all = Vec::new();
            while let Some(c) = stream.try_next().await? {
                all.push(c);
                if limit.is_some_and(|l| all.len() >= l) {
                    break;
                }
            }
            out.line(&all, || {
                table(
                    &CUSTOMER_HEADERS,
                    &all.iter().map(customer_row).collect::<Vec<_>>(),
                )
            });
        }
        CustomersCommand::Get { id } => {
            let c = ops.by_id(id).get().await?;
            out.line(&c, || table(&CUSTOMER_HEADERS, &[customer_row(&c)]));
        }
        CustomersCommand::Create(n) => {
            let c = ops.create(&n.into_customer()).await?;
            out.line(&c, || table(&CUSTOMER_HEADERS, &[customer_row(&c)]));
        }
        CustomersCommand::Delete { id } => {
            ops.by_id(&id).delete().await?;
            out.line(&serde_json::json!({"id": id, "deleted": true}), || {
                format!("deleted {id}")
            });
        }
        CustomersCommand::RemoveRelationship { id } => {
            let c = ops.by_id(&id).remove_reseller_relationship().await?;
            out.line(&c, || {
                format!("removed the reseller relationship with {id}")
            });
        }
    }
    Ok(())
}
