//! `partnerd billing get|set`: a customer's billing profile. `set` reads the profile, changes
//! only the fields given and writes it back with the ETag it read, so a concurrent change
//! makes it fail (exit 5) instead of being overwritten.

use clap::{ArgGroup, Subcommand};
use partnerd_sdk::wire::CustomerBillingProfile;
use partnerd_sdk::PartnerCenter;

use super::address::AddressArgs;
use super::output::{table, text, Output};
use crate::error::CliError;

/// `partnerd billing ...`
#[derive(Subcommand)]
// Parsed once per process: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum BillingCommand {
    /// Show a customer's billing profile.
    Get {
        /// The customer's id.
        customer: String,
    },
    /// Change fields of a customer's billing profile (read, change, write back with its ETag);
    /// give at least one field.
    // A set that changes nothing would still write and change the ETag: refuse it as a usage
    // error (exit 2) whose message names the fields.
    #[command(group(
        ArgGroup::new("change")
            .required(true)
            .multiple(true)
            .args([
                "first_name",
                "last_name",
                "email",
                "company",
                "culture",
                "language",
                "country",
                "city",
                "state",
                "address_line1",
                "postal_code",
            ])
    ))]
    Set {
        /// The customer's id.
        customer: String,
        /// The billing contact's first name.
        #[arg(long)]
        first_name: Option<String>,
        /// The billing contact's last name.
        #[arg(long)]
        last_name: Option<String>,
        /// The billing contact's email address.
        #[arg(long)]
        email: Option<String>,
        /// The company's name.
        #[arg(long)]
        company: Option<String>,
        /// The billing culture, e.g. en-US.
        #[arg(long)]
        culture: Option<String>,
        /// The billing language, e.g. en.
        #[arg(long)]
        language: Option<String>,
        #[command(flatten)]
        address: AddressArgs,
    },
}

fn billing_table(p: &CustomerBillingProfile) -> String {
    let a = p.default_address.clone().unwrap_or_default();
    let etag = p.attributes.as_ref().and_then(|a| a.etag.clone());
    let rows: Vec<Vec<String>> = [
        ("first name", &p.first_name),
        ("last name", &p.last_name),
        ("email", &p.email),
        ("company", &p.company_name),
        ("culture", &p.culture),
        ("language", &p.language),
        ("address", &a.address_line1),
        ("city", &a.city),
        ("state", &a.state),
        ("postal code", &a.postal_code),
        ("country", &a.country),
        ("etag", &etag),
    ]
    .into_iter()
    .map(|(k, v)| vec![k.to_owned(), text(v)])
    .collect();
    table(&["FIELD", "VALUE"], &rows)
}

/// Runs a `billing` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: BillingCommand,
) -> Result<(), CliError> {
    match command {
        BillingCommand::Get { customer } => {
            let p = client
                .customers()
                .by_id(customer)
                .profiles()
                .billing()
                .get()
                .await?;
            out.line(&p, || billing_table(&p));
        }
        BillingCommand::Set {
            customer,
            first_name,
            last_name,
            email,
            company,
            culture,
            language,
            address,
        } => {
            let ops = client.customers().by_id(customer).profiles().billing();
            let mut p = ops.get().await?;
            p.first_name = first_name.or(p.first_name);
            p.last_name = last_name.or(p.last_name);
            p.email = email.or(p.email);
            p.company_name = company.or(p.company_name);
            p.culture = culture.or(p.culture);
            p.language = language.or(p.language);
            if !address.is_empty() {
                p.default_address =
                    Some(address.into_address(p.default_address.unwrap_or_default()));
            }
            let updated = ops.update(&p).await?;
            out.line(&updated, || billing_table(&updated));
        }
    }
    Ok(())
}
