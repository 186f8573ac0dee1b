//! `partnerd keys list|rotate|retire`: the token signing keys, kept in the store so that every
//! server on it signs with the newest and validates with all that are active.
//!
//! Retiring the last key is refused: it would leave nothing to sign with. `list` prints each
//! key's id and, after a tab, `created` and its RFC 3339 UTC time.

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

/// A Unix time as an RFC 3339 UTC timestamp (`2026-11-18T11:06:40Z`).
fn rfc3339(secs: i64) -> String {
    // Entra's timestamp is the same calendar text with a space for the `T`: one calendar
    // conversion serves both.
    partnerd::clock::entra_timestamp(secs).replacen(' ', "T", 1)
}

/// Runs a `keys` command.
pub async fn run(command: KeysCommand) -> Result<(), CliError> {
    match command {
        KeysCommand::List { db } => {
            let store = db.open().await?;
            for k in store.signing_keys().await? {
                println!("{}\tcreated {}", k.kid, rfc3339(k.created_at));
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
            // The store refuses the last active key atomically; reading again tells why.
            if !store.retire_signing_key(&kid).await? {
                let active = store.signing_keys().await?;
                return Err(if active.iter().any(|k| k.kid == kid) {
                    CliError::OnlyActiveKey(kid)
                } else {
                    CliError::NoSuchKey(kid)
                });
            }
            println!("retired {kid}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn key_dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
