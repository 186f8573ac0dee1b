//! `partnerd export` and `partnerd import`: a whole store as JSON lines, one record a line,
//! to move between backends (SQLite to PostgreSQL and back) or to keep.
//!
//! An export holds private signing keys and server secrets, so `--output` writes a file only
//! its owner may read. Import only fills an empty store, so it never merges two histories.
//! The count of records goes to standard error on export, keeping standard output the data
//! alone.

use std::path::PathBuf;

use partnerd_store::ExportRecord;

use crate::args::Database;
use crate::error::CliError;

/// Writes every record of the store at `db` to `output`, or to standard output.
pub async fn export(db: &Database, output: Option<PathBuf>) -> Result<(), CliError> {
    let store = db.open().await?;
    let records = partnerd_store::portable::export(store.as_ref()).await?;
    let mut text = String::new();
    for record in &records {
        text.push_str(&serde_json::to_string(record)?);
        text.push('\n');
    }
    match output {
        Some(path) => {
            // The export holds the signing keys' private halves and the server secrets: only
            // its owner may read it, like the TLS key and the admin token.
            if let Err(source) = partnerd::tls::write_private(&path, &text) {
                return Err(CliError::Write { path, source });
            }
        }
        None => print!("{text}"),
    }
    eprintln!("exported {} records", records.len());
    Ok(())
}

/// Loads the records of `input` (or standard input) into the empty store at `db`.
pub async fn import(db: &Database, input: Option<PathBuf>) -> Result<(), CliError> {
    let text = match input {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(source) => return Err(CliError::Read { path, source }),
        },
        None => std::io::read_to_string(std::io::stdin())?,
    };
    let records = parse(&text)?;
    let store = db.open().await?;
    let n = partnerd_store::portable::import(store.as_ref(), records).await?;
    println!("imported {n} records into {}", db.shown());
    Ok(())
}

/// The records of an export, blank lines skipped; the first bad line is named by its number.
fn parse(text: &str) -> Result<Vec<ExportRecord>, CliError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| CliError::Record {
                line: i + 1,
                source,
            })
        })
        .collect()
}
