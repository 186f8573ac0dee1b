//! `partnerd addresses validate` and `partnerd addresses rules`: address validation and a
//! country's rules, as PowerShell's `New-PartnerCustomer` consults them before a create. The
//! validation's verdict is the exit code (0 valid, 6 not valid), so a script needs no parsing.

use std::process::ExitCode;

use clap::Subcommand;
use partnerd_sdk::wire::{Address, AddressValidationStatus};
use partnerd_sdk::PartnerCenter;

use super::address::AddressArgs;
use super::output::{table, Output};
use crate::error::{CliError, EXIT_INVALID};

/// `partnerd addresses ...`
#[derive(Subcommand)]
pub enum AddressesCommand {
    /// Validates an address: exit 0 when it is valid (or not checked in its country), 6 when
    /// it is not.
    Validate {
        #[command(flatten)]
        address: AddressArgs,
    },
    /// A country's rules: states, postal-code pattern, cultures, languages, calling codes.
    Rules {
        /// ISO 3166-1 two-letter country code (`US`, `GB`; not `UK`).
        country: String,
    },
}

/// Runs an `addresses` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: AddressesCommand,
) -> Result<ExitCode, CliError> {
    match command {
        AddressesCommand::Validate { address } => {
            let address = address.into_address(Address::default());
            let checked = client.validations().address(&address).await?;
            out.line(&checked, || {
                let mut text = format!("{:?}", checked.status);
                if let Some(message) = &checked.validation_message {
                    text.push_str(&format!(": {message}"));
                }
                for s in &checked.suggested_addresses {
                    let part = |v: &Option<String>| v.clone().unwrap_or_default();
                    text.push_str(&format!(
                        "\n  suggested: {}, {} {} {}, {}",
                        part(&s.address_line1),
                        part(&s.city),
                        part(&s.state),
                        part(&s.postal_code),
                        part(&s.country)
                    ));
                }
                text
            });
            Ok(match checked.status {
                AddressValidationStatus::None => ExitCode::from(EXIT_INVALID),
                _ => ExitCode::SUCCESS,
            })
        }
        AddressesCommand::Rules { country } => {
            let rules = client.country_validation_rules(&country).get().await?;
            out.line(&rules, || {
                let list = |v: &[String]| {
                    if v.is_empty() {
                        "-".to_owned()
                    } else {
                        v.join(" ")
                    }
                };
                let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
                table(
                    &["rule", "value"],
                    &[
                        vec!["country".into(), rules.iso2_code.clone()],
                        vec![
                            "default culture".into(),
                            rules.default_culture.clone().unwrap_or_default(),
                        ],
                        vec!["state required".into(), yes(rules.is_state_required)],
                        vec!["states".into(), list(&rules.supported_states_list)],
                        vec!["city required".into(), yes(rules.is_city_required)],
                        vec![
                            "postal code required".into(),
                            yes(rules.is_postal_code_required),
                        ],
                        vec![
                            "postal code pattern".into(),
                            rules.postal_code_regex.clone().unwrap_or_default(),
                        ],
                        vec!["cultures".into(), list(&rules.supported_cultures_list)],
                        vec!["languages".into(), list(&rules.supported_languages_list)],
                        vec![
                            "calling codes".into(),
                            list(&rules.country_calling_codes_list),
                        ],
                        vec![
                            "registration number required".into(),
                            yes(rules.customer_organization_registration_number_required),
                        ],
                        vec![
                            "phone number required".into(),
                            yes(rules.customer_organization_phone_number_required),
                        ],
                    ],
                )
            });
            Ok(ExitCode::SUCCESS)
        }
    }
}
