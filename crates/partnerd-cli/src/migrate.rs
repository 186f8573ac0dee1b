//! `partnerd migrate`: create or upgrade a store's schema without serving it. Opening a store
//! migrates it, so this is an open that reports where it went.

use crate::args::Database;
use crate::error::CliError;

/// Brings the store at `db` up to date.
pub async fn run(db: &Database) -> Result<(), CliError> {
    db.open().await?;
    println!("{} is up to date", db.shown());
    Ok(())
}
