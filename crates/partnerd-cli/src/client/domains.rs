//! `partnerd domains check`: whether a domain is taken. The answer is the exit code (0 taken,
//! 3 free), so a script needs no parsing.

use std::process::ExitCode;

use clap::Subcommand;
use partnerd_sdk::PartnerCenter;

use super::customers::complete_domain;
use super::output::Output;
use crate::error::{CliError, EXIT_NOT_FOUND};

/// `partnerd domains ...`
#[derive(Subcommand)]
pub enum DomainsCommand {
    /// Whether a domain is taken: exit 0 if it exists, 3 if it is free.
    Check {
        /// A full domain, or a bare prefix (`contoso`) for `contoso.onmicrosoft.com`, as
        /// `customers create --domain` reads it.
        domain: String,
    },
}

/// Runs a `domains` command; a free domain is not a failure but exits 3.
pub async fn run(
    client: &PartnerCenter,
    out: &Output,
    command: DomainsCommand,
) -> Result<ExitCode, CliError> {
    let DomainsCommand::Check { domain } = command;
    // The same completion as `customers create`, so a name checked is the name created.
    let domain = complete_domain(&domain);
    let exists = client.domains().by_domain(&domain).exists().await?;
    out.line(
        &serde_json::json!({"domain": domain, "exists": exists}),
        || format!("{domain}: {}", if exists { "taken" } else { "free" }),
    );
    Ok(if exists {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_FOUND)
    })
}
