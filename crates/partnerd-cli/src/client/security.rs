//! `partnerd security requests|principals|adoption` (the MFA reports, app+user credentials)
//! and `partnerd incidents list` (service incidents).

use clap::Subcommand;
use partnerd_sdk::PartnerCenter;

use super::output::{table, text, Output};
use crate::error::CliError;

/// `partnerd security ...`
#[derive(Subcommand)]
pub enum SecurityCommand {
    /// The partner's users' API requests of the last seven days, newest first.
    Requests,
    /// Users who signed in or called the API without MFA in the last seven days.
    Principals,
    /// API requests and how many carried MFA, per day and application.
    Adoption {
        /// First day (YYYY-MM-DD); six days before --end by default.
        #[arg(long)]
        start: Option<String>,
        /// Last day (YYYY-MM-DD); today by default.
        #[arg(long)]
        end: Option<String>,
    },
}

/// `partnerd incidents ...`
#[derive(Subcommand)]
pub enum IncidentsCommand {
    /// Service incidents and message-center posts per workload.
    List {
        /// Only the open ones.
        #[arg(long)]
        open: bool,
    },
}

/// Runs a `security` command.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: SecurityCommand,
) -> Result<(), CliError> {
    match command {
        SecurityCommand::Requests => {
            let page = client.security().partner_requests().await?;
            out.line(&page, || {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|r| {
                        vec![
                            r.request_date_time.clone(),
                            r.operation_name.clone(),
                            r.upn.clone(),
                            if r.mfa_compliant { "yes" } else { "NO" }.to_owned(),
                        ]
                    })
                    .collect();
                table(&["TIME", "OPERATION", "USER", "MFA"], &rows)
            });
        }
        SecurityCommand::Principals => {
            let page = client.security().non_mfa_compliant_principals().await?;
            out.line(&page, || {
                let rows: Vec<Vec<String>> = page
                    .items
                    .iter()
                    .map(|p| {
                        vec![
                            p.upn.clone(),
                            p.object_id.clone(),
                            p.last_non_mfa_compliant_request_date_time.clone(),
                        ]
                    })
                    .collect();
                table(&["USER", "OBJECT ID", "LAST WITHOUT MFA"], &rows)
            });
        }
        SecurityCommand::Adoption { start, end } => {
            let days = client
                .security()
                .mfa_adoption(start.as_deref(), end.as_deref())
                .await?;
            out.line(&days, || {
                let rows: Vec<Vec<String>> = days
                    .iter()
                    .map(|d| {
                        let name = if d.application_name.is_empty() {
                            d.application_id.clone()
                        } else {
                            d.application_name.clone()
                        };
                        vec![
                            d.login_date.clone(),
                            name,
                            format!(
                                "{}/{}",
                                d.mfa_compliant_request_count, d.total_request_count
                            ),
                        ]
                    })
                    .collect();
                table(&["DAY", "APPLICATION", "WITH MFA"], &rows)
            });
        }
    }
    Ok(())
}

/// Runs an `incidents` command.
pub async fn run_incidents(
    client: &PartnerCenter,
    out: &Output,
    command: IncidentsCommand,
) -> Result<(), CliError> {
    let IncidentsCommand::List { open } = command;
    let page = if open {
        client
            .service_incidents()
            .query(r#"{"Field":"Resolved","Value":"false","Operator":"equals"}"#)
            .await?
    } else {
        client.service_incidents().get().await?
    };
    out.line(&page, || {
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .flat_map(|g| g.incidents.iter().chain(&g.message_center_messages))
            .map(|i| {
                vec![
                    i.id.clone(),
                    i.workload.clone(),
                    i.status.clone(),
                    if i.resolved { "resolved" } else { "open" }.to_owned(),
                    text(&i.messages.last().map(|m| m.message_text.clone())),
                ]
            })
            .collect();
        table(&["ID", "WORKLOAD", "STATUS", "STATE", "LATEST"], &rows)
    });
    Ok(())
}
