//! `partnerd export` and `partnerd import`: a whole store as JSON lines, one record a line,
//! to move between backends (SQLite to PostgreSQL and back) or to keep.
//!
//! An export holds private signing keys and server secrets, so `--output` writes a file only
//! its owner may read. Import only fills an empty store, so it never merges two histories.
//! The count of records goes to standard error on export, keeping standard output the data
//! alone.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use tokio::sync::mpsc;

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
///
/// A thread reads and parses the lines while the store loads the records already parsed, so
/// that the two overlap; the first bad line stops the import (see
/// [`partnerd_store::portable::import_stream`] for what stays loaded then).
pub async fn import(db: &Database, input: Option<PathBuf>) -> Result<(), CliError> {
    let reader: Box<dyn BufRead + Send> = match &input {
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => Box::new(BufReader::with_capacity(1 << 20, file)),
            Err(source) => {
                return Err(CliError::Read {
                    path: path.clone(),
                    source,
                })
            }
        },
        None => Box::new(BufReader::with_capacity(1 << 20, std::io::stdin())),
    };
    let store = db.open().await?;
    let (sender, receiver) = mpsc::channel(PARSED_AHEAD);
    let parser = std::thread::spawn(move || parse(reader, input, &sender));
    let imported = partnerd_store::portable::import_stream(
        store.as_ref(),
        receiver,
        partnerd_store::portable::IMPORT_BATCH,
    )
    .await;
    // On failure the parser stops by itself at its next record (the receiver is gone), or
    // with the process; on success it has sent everything, so it has ended or is ending.
    let n = imported?;
    if parser.join().is_err() {
        return Err(CliError::Io(std::io::Error::other(
            "the reader of the import stopped unexpectedly; the store holds what came before",
        )));
    }
    println!("imported {n} records into {}", db.shown());
    Ok(())
}

/// How many parsed records may wait for the store: two of its batches.
const PARSED_AHEAD: usize = 2 * partnerd_store::portable::IMPORT_BATCH;

/// Sends the records of an export, blank lines skipped, until the end, the first bad line
/// (named by its number) or the import stopping.
fn parse(
    reader: Box<dyn BufRead + Send>,
    path: Option<PathBuf>,
    sender: &mpsc::Sender<Result<ExportRecord, CliError>>,
) {
    for (i, line) in reader.lines().enumerate() {
        let record = match line {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => serde_json::from_str(&line).map_err(|source| CliError::Record {
                line: i + 1,
                source,
            }),
            Err(source) => Err(match &path {
                Some(path) => CliError::Read {
                    path: path.clone(),
                    source,
                },
                None => CliError::Io(source),
            }),
        };
        let failed = record.is_err();
        if sender.blocking_send(record).is_err() || failed {
            return;
        }
    }
}
