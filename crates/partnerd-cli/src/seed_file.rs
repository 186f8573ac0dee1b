//! `partnerd seed-file apply FILE` and `serve --seed FILE`: declarative seed data
//! (`partnerd::seed_file`).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use partnerd::seed_file::{Applied, SeedError, SeedFile};
use partnerd::AppState;
use partnerd_store::Store;

use crate::args::Database;
use crate::error::CliError;

/// `partnerd seed-file ...`.
#[derive(Subcommand)]
pub enum SeedFileCommand {
    /// Apply a seed file to the database: create what it names and the store lacks, set
    /// secrets and passwords it changes, refuse what contradicts it. Its fault rules are armed
    /// only by `serve --seed`, since they live in a server's memory.
    Apply {
        #[command(flatten)]
        db: Database,
        /// The seed file (JSON when it ends in .json, else YAML).
        file: PathBuf,
        /// Print what was done as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Check a seed file without applying it.
    Check {
        /// The seed file.
        file: PathBuf,
    },
}

/// Runs a `seed-file` command.
pub async fn run(command: SeedFileCommand) -> Result<(), CliError> {
    match command {
        SeedFileCommand::Apply { db, file, json } => {
            let store = db.open().await?;
            let (seed, applied) = read_and_apply(store.as_ref(), &file).await?;
            if json {
                println!("{}", serde_json::to_string(&applied)?);
            } else {
                print_applied(&file, &applied);
                if !seed.faults.is_empty() {
                    println!(
                        "({} fault rule(s) not armed: they are armed by `serve --seed`)",
                        seed.faults.len()
                    );
                }
            }
        }
        SeedFileCommand::Check { file } => {
            let seed = SeedFile::read(&file).map_err(seed_error(&file))?;
            seed.check().map_err(seed_error(&file))?;
            println!(
                "{}: {} partner(s), {} link(s), {} fault rule(s)",
                file.display(),
                seed.partners.len(),
                seed.links.len(),
                seed.faults.len()
            );
        }
    }
    Ok(())
}

/// Reads and applies a seed file for `serve --seed`.
pub async fn apply(store: &dyn Store, file: &Path) -> Result<SeedFile, CliError> {
    let (seed, applied) = read_and_apply(store, file).await?;
    print_applied(file, &applied);
    Ok(seed)
}

async fn read_and_apply(store: &dyn Store, file: &Path) -> Result<(SeedFile, Applied), CliError> {
    let seed = SeedFile::read(file).map_err(seed_error(file))?;
    let applied = seed.apply(store).await.map_err(seed_error(file))?;
    Ok((seed, applied))
}

/// Arms a seed file's fault rules on a server.
pub fn arm_faults(state: &AppState, seed: &SeedFile) -> Result<(), CliError> {
    for (i, rule) in seed.faults.iter().enumerate() {
        state
            .ops
            .faults
            .add(rule.clone())
            .map_err(|e| CliError::Seed(format!("faults[{i}]: {e}")))?;
    }
    if !seed.faults.is_empty() {
        println!(
            "Armed {} fault rule(s) from the seed file",
            seed.faults.len()
        );
    }
    Ok(())
}

fn print_applied(file: &Path, a: &Applied) {
    println!(
        "Seed file {}: {} partner(s) and {} customer(s) created, {} secret(s) or password(s) \
         set, {} link(s), {} already as the file says",
        file.display(),
        a.partners_created,
        a.customers_created,
        a.credentials_changed,
        a.links,
        a.unchanged
    );
}

/// A seed file's failure as the command line reports it, naming the file.
fn seed_error(file: &Path) -> impl Fn(SeedError) -> CliError + '_ {
    move |e| match e {
        SeedError::Store(e) => CliError::Store(e),
        // A read or parse error names the file already.
        SeedError::File(m) => CliError::Seed(m),
        SeedError::Invalid(m) => CliError::Seed(format!("{}: {m}", file.display())),
    }
}
