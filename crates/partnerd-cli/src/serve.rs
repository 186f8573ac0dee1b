//! `partnerd serve`: take the store's serve lock, bootstrap a first partner, choose TLS and the
//! control plane's token, then serve until SIGINT or SIGTERM.
//!
//! What it prints on standard output (the bootstrap credentials, the CA to trust, the admin
//! token, the `listening on` line) is what scripts and tests wait for, so its wording is part
//! of the command line's contract.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use partnerd::server::{bootstrap, serve, shutdown_signal};
use partnerd::AppState;

use crate::args::{AuthArgs, Database, OpsArgs, TlsArgs};
use crate::error::CliError;
use crate::partner::print_partner;

/// Serves the API, the token service and the control plane on `listen`.
pub async fn run(
    listen: SocketAddr,
    db: Database,
    tls: TlsArgs,
    auth: AuthArgs,
    ops: OpsArgs,
) -> Result<(), CliError> {
    let _serving = partnerd_store::lock_for_serving(&db.database)?;
    let store = db.open().await?;
    if let Some(p) = bootstrap(&store).await? {
        println!("Created the bootstrap sandbox partner:");
        print_partner(&p, false);
    }
    let tls_config = match tls_files(&tls, &db.database)? {
        Some((cert, key)) => {
            Some(partnerd::tls::server_config(&cert, &key).map_err(CliError::Tls)?)
        }
        None => None,
    };
    let mut settings = auth.settings(tls_config.is_some());
    settings.throttle = ops.throttle.then(|| {
        (
            ops.throttle_limit,
            Duration::from_secs(ops.throttle_window.max(1)),
        )
    });
    settings.journal_capacity = ops.journal_size;
    settings.admin_token = Some(admin_token(ops.admin_token, &db.database)?);
    let state = AppState::with_settings(store, settings).await?;
    if let Some(file) = &ops.faults {
        let n = state.ops.faults.load_file(file).map_err(CliError::Faults)?;
        println!("Loaded {n} fault rule(s) from {}", file.display());
    }
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: listen,
            source,
        })?;
    match tls_config {
        Some(config) => {
            println!(
                "partnerd listening on https://{listen} (database {})",
                db.database
            );
            let listener =
                partnerd::tls::TlsListener::new(listener, config).map_err(CliError::Tls)?;
            serve(listener, state, shutdown)
                .await
                .map_err(CliError::Serve)
        }
        None => {
            println!(
                "partnerd listening on http://{listen} (database {})",
                db.database
            );
            serve(listener, state, shutdown)
                .await
                .map_err(CliError::Serve)
        }
    }
}

/// The certificate chain and key to serve https with, if any: the given files, or the local
/// CA's certificate made once under `tls/` in the data directory (whose CA is printed).
fn tls_files(tls: &TlsArgs, database: &str) -> Result<Option<(PathBuf, PathBuf)>, CliError> {
    match (&tls.tls_cert, &tls.tls_key, tls.tls_self_signed) {
        (Some(cert), Some(key), _) => Ok(Some((cert.clone(), key.clone()))),
        (_, _, true) => {
            let dir = partnerd_store::data_dir(database)?.join("tls");
            let files = partnerd::tls::self_signed(&dir)
                .map_err(|source| CliError::TlsMaterial { dir, source })?;
            println!(
                "TLS CA certificate (trust it in your clients): {}",
                files.ca.display()
            );
            Ok(Some((files.cert, files.key)))
        }
        _ => Ok(None),
    }
}

/// The admin token: given, or kept in the data directory (made and printed on first start).
fn admin_token(given: Option<String>, database: &str) -> Result<String, CliError> {
    if let Some(token) = given.filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_owned());
    }
    let dir = partnerd_store::data_dir(database)?;
    let path = dir.join("admin-token");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.trim().is_empty() {
            return Ok(existing.trim().to_owned());
        }
    }
    let token = partnerd::identity::generate_secret();
    std::fs::create_dir_all(&dir)?;
    if let Err(source) = partnerd::tls::write_private(&path, &token) {
        return Err(CliError::Write { path, source });
    }
    println!(
        "Control-plane admin token (kept in {}): {token}",
        path.display()
    );
    Ok(token)
}
