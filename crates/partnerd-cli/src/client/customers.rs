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
    /// Create a customer; prints its admin's new password once. Needs --domain, --company,
    /// --email, --country, --city, --address-line1 and --postal-code (and --state where the
    /// country has states).
    Create(NewCustomer),
    /// Delete a customer (integration-sandbox partners only).
    Delete { id: String },
    /// End the reseller relationship with a customer.
    RemoveRelationship { id: String },
}

/// The fields of a new customer. The address flags the service requires are checked by the
/// service, which knows which countries need a state.
#[derive(Args)]
pub struct NewCustomer {
    /// Required: the initial domain, a bare prefix (`contoso`) or a full domain
    /// (`contoso.onmicrosoft.com`).
    #[arg(long)]
    domain: String,
    /// Required: the company's name.
    #[arg(long)]
    company: String,
    /// Required: the billing contact's email address.
    #[arg(long)]
    email: String,
    /// The billing contact's first name.
    #[arg(long)]
    first_name: Option<String>,
    /// The billing contact's last name.
    #[arg(long)]
    last_name: Option<String>,
    /// The billing culture.
    #[arg(long, default_value = "en-US")]
    culture: String,
    /// The billing language.
    #[arg(long, default_value = "en")]
    language: String,
    #[command(flatten)]
    address: AddressArgs,
}

/// A domain as the command line takes it: a bare prefix (no dot) is completed with
/// `.onmicrosoft.com`, the way Partner Center names a new customer's initial domain.
pub fn complete_domain(domain: &str) -> String {
    if domain.contains('.') {
        domain.to_owned()
    } else {
        format!("{domain}.onmicrosoft.com")
    }
}

impl NewCustomer {
    /// The customer to send: a bare domain prefix gets `.onmicrosoft.com`.
    fn into_customer(self) -> Customer {
        Customer {
            company_profile: Some(CustomerCompanyProfile {
                domain: Some(complete_domain(&self.domain)),
                ..Default::default()
            }),
            billing_profile: Some(CustomerBillingProfile {
                email: Some(self.email),
                first_name: self.first_name.clone(),
                last_name: self.last_name.clone(),
                culture: Some(self.culture),
                language: Some(self.language),
                company_name: Some(self.company),
                // Partner Center's address has the contact's name fields too: fill them
                // from the same flags.
                default_address: Some(self.address.into_address(Address {
                    first_name: self.first_name,
                    last_name: self.last_name,
                    ..Address::default()
                })),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// The table of a new customer, with its admin's user name and password under it: the create
/// answer is the only place the password is ever shown.
fn created_table(c: &Customer) -> String {
    let mut text = table(&CUSTOMER_HEADERS, &[customer_row(c)]);
    if let Some(credentials) = &c.user_credentials {
        if let Some(user) = &credentials.user_name {
            text.push_str(&format!("\nadmin user:      {user}"));
        }
        if let Some(password) = &credentials.password {
            text.push_str(&format!("\nadmin password:  {password}"));
            text.push_str("\n(the password is shown only now)");
        }
    }
    text
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
            out.line(&c, || created_table(&c));
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
