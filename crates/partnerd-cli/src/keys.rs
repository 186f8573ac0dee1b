//! `partnerd keys list|rotate|retire`: the token signing keys, kept in the store so that every
//! server on it signs with the newest and validates with all that are active.
//!
//! Retiring the last key is refused: it would leave nothing to sign with.

use clap::Subcommand;

use crate::args::Database;
use crate::error::CliError;

/// `partnerd keys ...`
#[derive(Subcommand)]
pub enum KeysCommand {
    /// List the active signing keys, newest (the one that signs) first.
    List {
        #[command(flatten)]
        db: Database,
    },
    /// Add a new signing key; running servers sign with it within seconds. Old keys still
    /// validate until retired.
    Rotate {
        #[command(flatten)]
        db: Database,
    },
    /// Retire a key: tokens it signed stop validating.
    Retire {
        #[command(flatten)]
        db: Database,
        /// The key id (`kid`).
        kid: String,
    },
}

/// Runs a `keys` command.
pub async fn run(command: KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::List { db } => {
            let store = db.open().await?;
            for k in store.signing_keys().await? {
                println!("{}\tcreated {}", k.kid, k.created_at);
            }
        }
        KeysCommand::Rotate { db } => {
            let store = db.open().await?;
            let key = partnerd::auth::keys::generate_key().map_err(CliError::KeyGeneration)?;
            let kid = key.kid.clone();
            store.add_signing_key(key).await?;
            println!("{kid}");
        }
        KeysCommand::Retire { db, kid } => {
            let store = db.open().await?;
            let active = store.signing_keys().await?;
            if active.len() == 1 && active[0].kid == kid {
                return Err(CliError::OnlyActiveKey(kid));
            }
            if !store.retire_signing_key(&kid).await? {
                return Err(CliError::NoSuchKey(kid));
            }
            println!("retired {kid}");
        }
    }
    Ok(())
}
