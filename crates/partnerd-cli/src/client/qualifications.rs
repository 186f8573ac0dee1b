//! `partnerd qualifications list|add|codes`: a customer's qualifications and the partner's
//! GCC validation codes, through the API.

use clap::{Subcommand, ValueEnum};
use partnerd_sdk::wire::{CustomerQualificationRequest, EducationSegment, Qualification};
use partnerd_sdk::PartnerCenter;

use super::output::{table, text, Output};
use crate::error::CliError;

/// What a partner may ask for.
#[derive(Clone, Copy, ValueEnum)]
pub enum Asked {
    /// An educational institution (needs --segment).
    Education,
    /// A US government community cloud customer (needs --code).
    Gcc,
    /// A state-owned entity.
    StateOwnedEntity,
}

/// An education customer's segment.
#[derive(Clone, Copy, ValueEnum)]
pub enum Segment {
    /// Primary and secondary schools.
    K12,
    /// Universities and colleges.
    HigherEducation,
}

/// `partnerd qualifications ...`
#[derive(Subcommand)]
pub enum QualificationsCommand {
    /// A customer's qualifications with their vetting status.
    List {
        /// The customer's tenant id.
        customer: String,
    },
    /// Ask for a qualification for a customer (needs app+user credentials).
    Add {
        /// The customer's tenant id.
        customer: String,
        /// Which qualification.
        #[arg(long, value_enum)]
        qualification: Asked,
        /// Education's segment.
        #[arg(long, value_enum)]
        segment: Option<Segment>,
        /// The GCC validation code to use (see `qualifications codes`).
        #[arg(long)]
        code: Option<String>,
        /// The organisation's website.
        #[arg(long)]
        website: Option<String>,
    },
    /// The partner's GCC validation codes and the creates each has left.
    Codes,
}

/// Runs a `qualifications` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: QualificationsCommand,
) -> Result<(), CliError> {
    match command {
        QualificationsCommand::List { customer } => {
            let list = client
                .customers()
                .by_id(&customer)
                .qualifications()
                .get()
                .await?;
            out.line(&list, || {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|q| {
                        vec![
                            q.qualification.clone(),
                            text(&q.vetting_status),
                            text(&q.vetting_create_date),
                            text(&q.vetting_reason),
                        ]
                    })
                    .collect();
                table(&["QUALIFICATION", "STATUS", "ASKED", "REASON"], &rows)
            });
        }
        QualificationsCommand::Add {
            customer,
            qualification,
            segment,
            code,
            website,
        } => {
            let request = CustomerQualificationRequest {
                qualification: match qualification {
                    Asked::Education => Qualification::Education,
                    Asked::Gcc => Qualification::GovernmentCommunityCloud,
                    Asked::StateOwnedEntity => Qualification::StateOwnedEntity,
                },
                education_segment: segment.map(|s| match s {
                    Segment::K12 => EducationSegment::K12,
                    Segment::HigherEducation => EducationSegment::HigherEducation,
                }),
                validation_code: code,
                website,
            };
            let added = client
                .customers()
                .by_id(&customer)
                .qualifications()
                .create(&request)
                .await?;
            out.line(&added, || {
                format!(
                    "{}: {}",
                    added.qualification,
                    added.vetting_status.as_deref().unwrap_or("no review")
                )
            });
        }
        QualificationsCommand::Codes => {
            let codes = client.validations().validation_codes().await?;
            out.line(&codes, || {
                let rows: Vec<Vec<String>> = codes
                    .iter()
                    .map(|c| {
                        vec![
                            c.validation_id.clone(),
                            c.organization_name.clone(),
                            format!("{}/{}", c.remaining_creates, c.max_creates),
                        ]
                    })
                    .collect();
                table(&["CODE", "ORGANIZATION", "LEFT"], &rows)
            });
        }
    }
    Ok(())
}
