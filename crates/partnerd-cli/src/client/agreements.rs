//! `partnerd agreements confirm|list|templates|document`: Microsoft Customer Agreement
//! attestation through the API (app+user credentials).

use clap::Subcommand;
use partnerd_sdk::wire::{Agreement, Contact};
use partnerd_sdk::PartnerCenter;

use super::output::{table, text, Output};
use crate::error::CliError;

/// `partnerd agreements ...`
#[derive(Subcommand)]
pub enum AgreementsCommand {
    /// Confirm that a customer accepted the Microsoft Customer Agreement.
    Confirm {
        /// The customer's tenant id.
        customer: String,
        /// Who accepted: "First Last <email>".
        #[arg(long, value_parser = parse_contact)]
        contact: Contact,
        /// Their phone number.
        #[arg(long)]
        phone: Option<String>,
        /// When they accepted (ISO 8601); now by default.
        #[arg(long)]
        date: Option<String>,
        /// The template; the current Customer Agreement's by default.
        #[arg(long)]
        template: Option<String>,
    },
    /// A customer's confirmations.
    List {
        /// The customer's tenant id.
        customer: String,
        /// MicrosoftCustomerAgreement, MicrosoftCloudAgreement or * (the service's default is
        /// the Cloud Agreement alone).
        #[arg(long = "type", default_value = "*")]
        agreement_type: String,
    },
    /// The agreement template catalogue.
    Templates,
    /// Links to the Customer Agreement's document.
    Document {
        /// Country (upper-case ISO code).
        #[arg(long, default_value = "US")]
        country: String,
        /// Language.
        #[arg(long, default_value = "en-US")]
        language: String,
    },
}

/// Reads `First Last <email>` (the last name may have several words).
fn parse_contact(text: &str) -> Result<Contact, String> {
    let usage = || "expected \"First Last <email>\"".to_owned();
    let (names, rest) = text.split_once('<').ok_or_else(usage)?;
    let email = rest.strip_suffix('>').ok_or_else(usage)?.trim();
    let (first, last) = names.trim().split_once(' ').ok_or_else(usage)?;
    if email.is_empty() || last.trim().is_empty() {
        return Err(usage());
    }
    Ok(Contact {
        first_name: Some(first.trim().to_owned()),
        last_name: Some(last.trim().to_owned()),
        email: Some(email.to_owned()),
        phone_number: None,
    })
}

/// The current Customer Agreement template's id, from the catalogue.
async fn current_template(client: &PartnerCenter) -> Result<String, CliError> {
    let page = client
        .agreement_details()
        .by_agreement_type("MicrosoftCustomerAgreement")
        .get()
        .await?;
    page.items
        .into_iter()
        .min_by_key(|t| t.version_rank)
        .map(|t| t.template_id)
        .ok_or_else(|| CliError::NotOffered("the catalogue lists no Customer Agreement".to_owned()))
}

/// Now, in ISO 8601 UTC.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    partnerd::clock::iso_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Runs an `agreements` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: AgreementsCommand,
) -> Result<(), CliError> {
    match command {
        AgreementsCommand::Confirm {
            customer,
            mut contact,
            phone,
            date,
            template,
        } => {
            contact.phone_number = phone;
            let template = match template {
                Some(t) => t,
                None => current_template(client).await?,
            };
            let agreement = Agreement {
                primary_contact: Some(contact),
                template_id: Some(template),
                date_agreed: Some(date.unwrap_or_else(now)),
                agreement_type: Some("MicrosoftCustomerAgreement".to_owned()),
                ..Default::default()
            };
            let confirmed = client
                .customers()
                .by_id(&customer)
                .agreements()
                .create(&agreement)
                .await?;
            out.line(&confirmed, || {
                format!(
                    "{} confirmed for {customer} on {}",
                    confirmed.agreement_type.as_deref().unwrap_or_default(),
                    confirmed.date_agreed.as_deref().unwrap_or_default()
                )
            });
        }
        AgreementsCommand::List {
            customer,
            agreement_type,
        } => {
            let page = client
                .customers()
                .by_id(&customer)
                .agreements()
                .by_agreement_type(agreement_type)
                .get()
                .await?;
            out.line(&page, || {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|a| {
                        let c = a.primary_contact.clone().unwrap_or_default();
                        vec![
                            text(&a.agreement_type),
                            text(&a.date_agreed),
                            format!("{} {}", text(&c.first_name), text(&c.last_name)),
                            text(&c.email),
                        ]
                    })
                    .collect();
                table(&["TYPE", "AGREED", "CONTACT", "EMAIL"], &rows)
            });
        }
        AgreementsCommand::Templates => {
            let page = client
                .agreement_details()
                .by_agreement_type("*")
                .get()
                .await?;
            out.line(&page, || {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|t| {
                        vec![
                            t.template_id.clone(),
                            t.agreement_type.clone(),
                            t.agreement_link.clone(),
                        ]
                    })
                    .collect();
                table(&["TEMPLATE", "TYPE", "LINK"], &rows)
            });
        }
        AgreementsCommand::Document { country, language } => {
            let template = current_template(client).await?;
            let document = client
                .agreement_templates()
                .by_id(template)
                .document()
                .by_country(country)
                .by_language(language)
                .get()
                .await?;
            out.line(&document, || {
                format!(
                    "{} {}\ndisplay:  {}\ndownload: {}",
                    document.country,
                    document.language,
                    document.display_uri,
                    document.download_uri
                )
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_read_names_and_email() {
        let c = parse_contact("Ada King Lovelace <ada@contoso.com>").unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Ada"));
        assert_eq!(c.last_name.as_deref(), Some("King Lovelace"));
        assert_eq!(c.email.as_deref(), Some("ada@contoso.com"));
        assert!(parse_contact("Ada <ada@contoso.com>").is_err());
        assert!(parse_contact("Ada Lovelace ada@contoso.com").is_err());
    }

    #[test]
    fn now_is_an_iso_time() {
        let n = now();
        assert_eq!(n.len(), 20, "{n}");
        assert!(n.ends_with('Z') && &n[4..5] == "-" && &n[10..11] == "T");
    }
}
